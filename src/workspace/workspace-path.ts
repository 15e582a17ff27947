import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * Resolves paths the model supplies so that nothing outside the workspace root is ever read or
 * written. Every refusal is a `WorkspacePathError` whose message tells the model what to do
 * instead; tools turn it into an `Error: …` result.
 */

/** A model-supplied path was refused; the message is safe to show to the model. */
export class WorkspacePathError extends Error {
  override readonly name = 'WorkspacePathError';
}

/**
 * What the path will be used for:
 * - `read`: an existing regular file
 * - `write`: a regular file that may not exist yet (parents may be missing); never in a protected dir
 * - `list` / `cwd`: an existing directory
 */
export type PathPurpose = 'read' | 'write' | 'list' | 'cwd';

/**
 * Top-level folders the model may read but never write: where earlier versions kept the
 * conversation store (moved once into the state root; kept closed so nothing can be planted there).
 */
export const PROTECTED_DIRS: readonly string[] = ['sessions'];

export interface WorkspacePath {
  /** What the model typed. */
  input: string;
  /** Path relative to the real workspace root, `.` for the root itself; use this in messages. */
  display: string;
  /** Absolute path with every existing symlink resolved; always inside `realRoot`. */
  real: string;
  /** The workspace root with symlinks resolved. */
  realRoot: string;
  /** `lstat` of the target when it exists (for `read`, the file the path leads to). */
  stat: Stats | undefined;
}

/** Flags for opening a file to read: never follow a final symlink, never block on a FIFO. */
export const READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

export async function resolveWorkspacePath(
  root: string,
  input: string,
  purpose: PathPurpose,
): Promise<WorkspacePath> {
  if (typeof input !== 'string') throw new WorkspacePathError('path must be a string');
  if (input.includes('\0')) {
    throw new WorkspacePathError('path contains a NUL byte; pass a plain path relative to the workspace');
  }
  const given = input === '' && (purpose === 'list' || purpose === 'cwd') ? '.' : input;
  if (given === '') throw new WorkspacePathError('path is empty; pass a path relative to the workspace root');
  if (given.startsWith('~')) {
    throw new WorkspacePathError(
      `"${input}" refers to a home directory, which is outside the workspace; use a path relative to the workspace root`,
    );
  }

  const absRoot = path.resolve(root);
  const realRoot = await realRootOf(absRoot);
  const candidate = lexicalCandidate(absRoot, realRoot, given, input);

  // Walk up to the deepest part of the path that exists; realpath of it must stay inside.
  const missing: string[] = [];
  let existing = candidate;
  let existingStat: Stats | undefined;
  for (;;) {
    try {
      existingStat = await lstat(existing);
      break;
    } catch (error) {
      if (!isMissing(error)) throw asPathError(error, input);
      const parent = path.dirname(existing);
      if (parent === existing) throw new WorkspacePathError(`cannot resolve "${input}"`);
      missing.unshift(path.basename(existing));
      existing = parent;
    }
  }
  let realExisting: string;
  try {
    realExisting = await realpath(existing);
  } catch (error) {
    // A dangling symlink: say where it points if that is inside, else refuse as an escape.
    if (isMissing(error) && existingStat.isSymbolicLink()) {
      const target = path.resolve(path.dirname(existing), await readlink(existing));
      if (!isInside(realRoot, target) && !isInside(absRoot, target)) throw escapeError(input);
      throw new WorkspacePathError(`"${input}" is a symbolic link to a path that does not exist`);
    }
    throw asPathError(error, input);
  }
  if (!isInside(realRoot, realExisting)) throw escapeError(input);
  if (missing.length > 0) {
    const existingReal = await stat(realExisting);
    if (!existingReal.isDirectory()) {
      throw new WorkspacePathError(`"${displayOf(realRoot, realExisting)}" is a file, not a directory, so "${input}" cannot exist`);
    }
  }

  const real = path.join(realExisting, ...missing);
  const display = displayOf(realRoot, real);
  const targetLstat = missing.length === 0 ? existingStat : undefined;
  const resolved: WorkspacePath = { input, display, real, realRoot, stat: targetLstat };

  switch (purpose) {
    case 'read':
      return checkReadable(resolved);
    case 'write':
      return checkWritable(resolved);
    case 'list':
    case 'cwd':
      return checkDirectory(resolved, purpose);
  }
}

/** True when `child` is `parent` or below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** True when a real path relative to the real root lands in a protected (read-only) folder. */
export function isProtected(realRoot: string, real: string): boolean {
  const rel = path.relative(realRoot, real);
  if (rel === '') return false;
  // Case-insensitive: on case-insensitive filesystems `Sessions/` is the same folder.
  const first = rel.split(path.sep)[0]?.toLowerCase() ?? '';
  return PROTECTED_DIRS.includes(first);
}

/**
 * After opening, confirms the descriptor really is the intended file inside the root: closes the
 * window between the path checks and `open` (a parent swapped for a symlink, say). Uses
 * /proc/self/fd where available (Linux), else compares device and inode with a fresh `stat`.
 */
export async function verifyOpenedInside(handle: FileHandle, expectedReal: string, realRoot: string): Promise<Stats> {
  const opened = await handle.stat();
  let actual: string | undefined;
  try {
    actual = await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    actual = undefined;
  }
  if (actual !== undefined && actual.startsWith('/')) {
    if (!isInside(realRoot, actual)) {
      throw new WorkspacePathError('the path changed while it was being opened and now leads outside the workspace');
    }
    return opened;
  }
  const now = await stat(expectedReal).catch(() => undefined);
  if (!now || now.ino !== opened.ino || now.dev !== opened.dev) {
    throw new WorkspacePathError('the file changed while it was being opened; try again');
  }
  return opened;
}

/** Words for a non-regular file type, for refusal messages. */
export function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isSymbolicLink()) return 'a symbolic link';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  if (s.isFile()) return 'a regular file';
  return 'not a regular file';
}

async function realRootOf(absRoot: string): Promise<string> {
  try {
    return await realpath(absRoot);
  } catch (error) {
    if (isMissing(error)) {
      throw new WorkspacePathError(`the workspace root ${absRoot} does not exist; create it or fix the configured workspace`);
    }
    throw error;
  }
}

function lexicalCandidate(absRoot: string, realRoot: string, given: string, input: string): string {
  if (path.isAbsolute(given)) {
    const normalised = path.resolve(given);
    if (isInside(absRoot, normalised) || isInside(realRoot, normalised)) return normalised;
    throw new WorkspacePathError(
      `absolute path "${input}" is outside the workspace; use a path relative to the workspace root (e.g. "notes/todo.md")`,
    );
  }
  const candidate = path.resolve(absRoot, given);
  if (!isInside(absRoot, candidate)) {
    throw new WorkspacePathError(`"${input}" points outside the workspace (via ".."); use a path inside the workspace`);
  }
  return candidate;
}

async function checkReadable(resolved: WorkspacePath): Promise<WorkspacePath> {
  if (!resolved.stat) {
    throw new WorkspacePathError(`"${resolved.display}" does not exist; use list_dir to see what is there`);
  }
  // Follow an in-workspace symlink to what it names (realpath already proved it stays inside).
  const target = resolved.stat.isSymbolicLink() ? await stat(resolved.real) : resolved.stat;
  if (target.isDirectory()) {
    throw new WorkspacePathError(`"${resolved.display}" is a directory; use list_dir to see its contents`);
  }
  if (!target.isFile()) {
    throw new WorkspacePathError(`"${resolved.display}" is ${kindOf(target)}; only regular files can be read`);
  }
  return { ...resolved, stat: target };
}

function checkWritable(resolved: WorkspacePath): WorkspacePath {
  if (resolved.real === resolved.realRoot) {
    throw new WorkspacePathError('the workspace root itself cannot be written; name a file inside it');
  }
  if (isProtected(resolved.realRoot, resolved.real)) {
    throw new WorkspacePathError(
      `"${resolved.input}" is inside sessions/, the conversation store, which tools may not modify; write somewhere else`,
    );
  }
  const s = resolved.stat;
  if (s) {
    if (s.isSymbolicLink()) {
      throw new WorkspacePathError(
        `"${resolved.display}" is a symbolic link; writes never go through links. Write to the file it points to by its own path`,
      );
    }
    if (s.isDirectory()) throw new WorkspacePathError(`"${resolved.display}" is a directory; name a file instead`);
    if (!s.isFile()) throw new WorkspacePathError(`"${resolved.display}" is ${kindOf(s)}; only regular files can be written`);
    if (s.nlink > 1) {
      throw new WorkspacePathError(
        `"${resolved.display}" has ${s.nlink} hard links; writing it could change a file elsewhere, so it is refused. Write a new file instead`,
      );
    }
  }
  return resolved;
}

async function checkDirectory(resolved: WorkspacePath, purpose: 'list' | 'cwd'): Promise<WorkspacePath> {
  if (!resolved.stat) {
    throw new WorkspacePathError(`"${resolved.display}" does not exist; use list_dir to see what is there`);
  }
  const target = await stat(resolved.real);
  if (!target.isDirectory()) {
    const what = purpose === 'cwd' ? 'a working directory' : 'a directory to list';
    throw new WorkspacePathError(`"${resolved.display}" is ${kindOf(target)}, not ${what}`);
  }
  return { ...resolved, stat: target };
}

function displayOf(realRoot: string, real: string): string {
  const rel = path.relative(realRoot, real);
  return rel === '' ? '.' : rel.split(path.sep).join('/');
}

function escapeError(input: string): WorkspacePathError {
  return new WorkspacePathError(
    `"${input}" leads outside the workspace through a symbolic link; only paths inside the workspace are allowed`,
  );
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function asPathError(error: unknown, input: string): Error {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return new WorkspacePathError(`permission denied for "${input}"`);
  if (e?.code === 'ELOOP') return new WorkspacePathError(`"${input}" has too many levels of symbolic links`);
  if (e?.code === 'ENAMETOOLONG') return new WorkspacePathError(`"${input}" is too long`);
  return error instanceof Error ? error : new Error(String(error));
}
