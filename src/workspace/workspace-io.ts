import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import {
  READ_FLAGS,
  WorkspacePathError,
  isInside,
  isProtected,
  kindOf,
  resolveWorkspacePath,
  verifyOpenedInside,
  type WorkspacePath,
} from './workspace-path.js';

/**
 * Opening and writing workspace files on top of `resolveWorkspacePath`: the checks are repeated on
 * the open descriptor, so a path swapped between check and use cannot lead outside the root.
 */

export interface OpenedFile {
  handle: FileHandle;
  stat: Stats;
  path: WorkspacePath;
}

/** Opens a regular file inside the workspace for reading. The caller closes `handle`. */
export async function openWorkspaceFile(root: string, input: string): Promise<OpenedFile> {
  const resolved = await resolveWorkspacePath(root, input, 'read');
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the final component cannot have become a symlink; O_NONBLOCK: a FIFO swapped in never hangs.
    handle = await open(resolved.real, READ_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new WorkspacePathError(`"${resolved.display}" became a symbolic link; refusing to follow it`);
    if (code === 'ENOENT') throw new WorkspacePathError(`"${resolved.display}" does not exist (it was removed)`);
    if (code === 'EACCES' || code === 'EPERM') throw new WorkspacePathError(`permission denied reading "${resolved.display}"`);
    throw error;
  }
  try {
    const s = await verifyOpenedInside(handle, resolved.real, resolved.realRoot);
    if (!s.isFile()) {
      throw new WorkspacePathError(`"${resolved.display}" is ${kindOf(s)}; only regular files can be read`);
    }
    return { handle, stat: s, path: resolved };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface WriteOutcome {
  path: WorkspacePath;
  bytes: number;
  created: boolean;
}

/**
 * Writes a whole file atomically (temp file in the same folder, fsync, rename), creating missing
 * parent folders. Never writes through a symlink or into a hard-linked file, never into sessions/.
 * `expect` lets an editor insist the file is still the one it read (same inode, size and mtime).
 */
export async function writeWorkspaceFile(
  root: string,
  input: string,
  data: string | Buffer,
  expect?: Stats,
): Promise<WriteOutcome> {
  const resolved = await resolveWorkspacePath(root, input, 'write');
  const parent = path.dirname(resolved.real);
  await mkdir(parent, { recursive: true });

  // Re-check the parent now that it exists: it must be a real folder inside the root.
  const realParent = await realpath(parent);
  if (realParent !== parent || !isInside(resolved.realRoot, realParent) || isProtected(resolved.realRoot, resolved.real)) {
    throw new WorkspacePathError(`the folder of "${resolved.display}" changed while writing; refusing to continue`);
  }

  const mode = resolved.stat ? resolved.stat.mode & 0o7777 : 0o644;
  const temp = path.join(realParent, `.${path.basename(resolved.real)}.${randomBytes(6).toString('hex')}.tmp`);
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);
  const handle = await open(temp, flags, mode);
  let renamed = false;
  try {
    try {
      await verifyOpenedInside(handle, temp, resolved.realRoot);
      await handle.writeFile(data);
      if (resolved.stat) await handle.chmod(mode); // keep an existing file's permissions despite umask
      await handle.sync();
    } finally {
      await handle.close();
    }
    await assertTargetUnchanged(resolved, expect);
    await rename(temp, resolved.real);
    renamed = true;
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
  return { path: resolved, bytes, created: resolved.stat === undefined };
}

/** Just before the rename: the target must still be a plain, singly-linked file (or still absent). */
async function assertTargetUnchanged(resolved: WorkspacePath, expect: Stats | undefined): Promise<void> {
  const now = await lstat(resolved.real).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!now) {
    if (expect) throw new WorkspacePathError(`"${resolved.display}" was removed while it was being edited; nothing written`);
    return;
  }
  if (now.isSymbolicLink() || !now.isFile()) {
    throw new WorkspacePathError(`"${resolved.display}" became ${kindOf(now)} while writing; nothing written`);
  }
  if (now.nlink > 1) {
    throw new WorkspacePathError(`"${resolved.display}" has ${now.nlink} hard links; writing it is refused`);
  }
  if (expect && (now.ino !== expect.ino || now.size !== expect.size || now.mtimeMs !== expect.mtimeMs)) {
    throw new WorkspacePathError(`"${resolved.display}" changed on disk while it was being edited; read it again and retry`);
  }
}
