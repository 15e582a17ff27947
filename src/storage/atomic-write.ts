import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a file so readers see either the old or the new content, never half of it. */
export async function atomicWrite(path: string, data: string | Uint8Array, opts: { flagExclusive?: boolean } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { flag: opts.flagExclusive ? 'wx' : 'w' }).catch(async (error: unknown) => {
      // The state sweeper may remove an empty folder between our mkdir and this write: recreate it once.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, data, { flag: opts.flagExclusive ? 'wx' : 'w' });
    });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
