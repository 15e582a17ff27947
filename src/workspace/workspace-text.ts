import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { WorkspacePathError, isInside, kindOf, verifyOpenedInside } from './workspace-path.js';

/**
 * How the runtime itself reads and appends the agent's files (identity files, memory, skills,
 * HEARTBEAT.md). The agent can change anything in its workspace, so these reads are stricter
 * than the file tools': the file itself may not be a symbolic link at all, it must be a regular
 * file, the open never blocks (a FIFO), and at most `maxBytes` are read (a huge or sparse file).
 * Anything else is skipped with the reason, never followed.
 */

export type WorkspaceText =
  | { ok: true; text: string; /** more bytes were there than were read */ truncated: boolean }
  | { ok: false; /** why it was skipped; `missing` when there is simply no such file */ reason: string; missing: boolean };

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** Reads `relative` (inside `root`) as UTF-8 text, or says why it was skipped. */
export async function readWorkspaceText(root: string, relative: string, maxBytes: number): Promise<WorkspaceText> {
  let target: { real: string; realRoot: string };
  try {
    target = await runtimePath(root, relative);
  } catch (error) {
    return skipped(error);
  }
  let handle;
  try {
    handle = await open(target.real, READ_FLAGS);
  } catch (error) {
    return skipped(error);
  }
  try {
    const info = await verifyOpenedInside(handle, target.real, target.realRoot);
    if (!info.isFile()) return { ok: false, reason: `it is ${kindOf(info)}`, missing: false };
    const buffer = Buffer.alloc(Math.min(maxBytes, info.size));
    const { bytesRead } = buffer.length > 0 ? await handle.read(buffer, 0, buffer.length, 0) : { bytesRead: 0 };
    return { ok: true, text: buffer.subarray(0, bytesRead).toString('utf8'), truncated: info.size > bytesRead };
  } catch (error) {
    return skipped(error);
  } finally {
    await handle.close();
  }
}

/** The entry names of a folder inside the workspace (which itself must be a real folder, not a link). */
export async function listWorkspaceDir(root: string, relative: string): Promise<string[]> {
  let target: { real: string };
  try {
    target = await runtimePath(root, relative);
  } catch {
    return [];
  }
  const info = await lstat(target.real).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  return readdir(target.real).catch(() => []);
}

/**
 * Appends text to a file inside the workspace (creating it and its folder), never through a link
 * and never to a special file: one write, so concurrent appends never interleave.
 */
export async function appendWorkspaceFile(root: string, relative: string, text: string): Promise<void> {
  const target = await runtimePath(root, relative, { create: true });
  await mkdir(path.dirname(target.real), { recursive: true });
  const parent = await realpath(path.dirname(target.real));
  if (!isInside(target.realRoot, parent)) {
    throw new WorkspacePathError(`the folder of "${relative}" leads outside the workspace; not written`);
  }
  const handle = await open(
    path.join(parent, path.basename(target.real)),
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    0o644,
  );
  try {
    const info = await verifyOpenedInside(handle, target.real, target.realRoot);
    if (!info.isFile() || info.nlink > 1) {
      throw new WorkspacePathError(`"${relative}" is ${info.isFile() ? 'hard-linked' : kindOf(info)}; not written`);
    }
    await handle.appendFile(text, 'utf8');
  } finally {
    await handle.close();
  }
}

/**
 * The real path of `relative`: every parent folder resolved and inside the root; the final
 * component itself is not resolved (the open refuses a link there).
 */
async function runtimePath(root: string, relative: string, opts: { create?: boolean } = {}): Promise<{ real: string; realRoot: string }> {
  const realRoot = await realpath(root);
  const candidate = path.resolve(realRoot, relative);
  if (!isInside(realRoot, candidate) || candidate === realRoot) {
    throw new WorkspacePathError(`"${relative}" is not a path inside the workspace`);
  }
  let parent = path.dirname(candidate);
  try {
    parent = await realpath(parent);
  } catch (error) {
    if (!opts.create) throw error;
  }
  if (!isInside(realRoot, parent)) throw new WorkspacePathError(`a folder of "${relative}" leads outside the workspace`);
  return { real: path.join(parent, path.basename(candidate)), realRoot };
}

function skipped(error: unknown): WorkspaceText {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { ok: false, reason: 'it does not exist', missing: true };
  if (code === 'ELOOP') return { ok: false, reason: 'it is a symbolic link (never followed)', missing: false };
  if (code === 'ENOTDIR') return { ok: false, reason: 'a folder on its path is a file', missing: false };
  if (code === 'EISDIR') return { ok: false, reason: 'it is a directory', missing: false };
  if (code === 'ENXIO') return { ok: false, reason: 'it is a special file', missing: false };
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, reason: 'permission denied', missing: false };
  if (error instanceof WorkspacePathError) return { ok: false, reason: error.message, missing: false };
  return { ok: false, reason: error instanceof Error ? error.message : String(error), missing: false };
}
