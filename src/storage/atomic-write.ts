import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so readers on the shared volume see either the old or the new content, never
 * half of it: a hidden temp file beside it, then a rename. `sync` flushes the data to disk
 * before the rename, for files whose loss after a crash would lose user state.
 */
export async function atomicWrite(path: string, data: string | Uint8Array, opts: { sync?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeTemp(temp, data, opts.sync === true).catch(async (error: unknown) => {
      // The state sweeper may remove an empty folder between our mkdir and this write: recreate it once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      await writeTemp(temp, data, opts.sync === true);
    });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function writeTemp(temp: string, data: string | Uint8Array, sync: boolean): Promise<void> {
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
}
