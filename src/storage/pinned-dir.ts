import { constants, type Dirent, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * A directory opened once and then only used through its descriptor (`/proc/self/fd/<fd>/<name>`):
 * if the path that led here is swapped for a symbolic link afterwards, every later step still
 * acts inside the directory that was opened. Children are opened without following links, so
 * nothing reached through a PinnedDir is ever outside the tree it started from.
 */
export class PinnedDir {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
  ) {}

  /** Opens a directory; `followLinks` only for a root the operator configured. Undefined if it is not one. */
  static async open(path: string, opts: { followLinks?: boolean } = {}): Promise<PinnedDir | undefined> {
    const flags = opts.followLinks ? constants.O_RDONLY | constants.O_DIRECTORY : DIR_FLAGS;
    try {
      const handle = await open(path, flags);
      return new PinnedDir(handle, path);
    } catch (error) {
      if (isNotADirectory(error)) return undefined;
      throw error;
    }
  }

  /** The path of `name` inside this directory, through its descriptor. */
  at(name: string): string {
    if (name.includes('/') || name === '' || name === '.' || name === '..') throw new Error(`Not an entry name: ${name}`);
    return join(`/proc/self/fd/${this.handle.fd}`, name);
  }

  entries(): Promise<Dirent[]> {
    return readdir(`/proc/self/fd/${this.handle.fd}`, { withFileTypes: true });
  }

  stat(): Promise<Stats> {
    return this.handle.stat();
  }

  lstat(name: string): Promise<Stats | undefined> {
    return lstat(this.at(name)).catch(() => undefined);
  }

  /** A subdirectory, never through a link; undefined when `name` is not a real directory. */
  child(name: string): Promise<PinnedDir | undefined> {
    return PinnedDir.open(this.at(name));
  }

  unlink(name: string): Promise<void> {
    return unlink(this.at(name));
  }

  rmdir(name: string): Promise<void> {
    return rmdir(this.at(name));
  }

  mkdir(name: string): Promise<void> {
    return mkdir(this.at(name)).then(() => undefined);
  }

  rename(from: string, to: string): Promise<void> {
    return rename(this.at(from), this.at(to));
  }

  link(from: string, to: string): Promise<void> {
    return link(this.at(from), this.at(to));
  }

  /** Opens a regular file in this directory for reading, never through a link and never blocking on a FIFO. */
  openFile(name: string): Promise<FileHandle> {
    return open(this.at(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

function isNotADirectory(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
}
