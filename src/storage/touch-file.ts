import { utimes } from 'node:fs/promises';

/**
 * Sets a file's mtime to now, so it says when the file was last used (the state sweeper
 * deletes by age). False when the file does not exist.
 */
export async function touchFile(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    // Another user's file on a shared volume: it exists, it just keeps its old mtime.
    if (code === 'EPERM' || code === 'EACCES') return true;
    throw error;
  }
}
