import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { plaintextBlobs, type BlobCipher } from '../encryption/blob-cipher.js';
import { atomicWrite } from './atomic-write.js';
import { touchFile } from './touch-file.js';

/** The workspace folder that holds runtime state (not user files). */
export const STATE_DIR = '.exoclaw';

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
}

/**
 * Content-addressed JSON blobs on the shared workspace volume. Workflow history carries the
 * 64-character hash instead of the value, so it stays small however long transcripts grow.
 * The same value always gets the same ref, so a retried write is harmless. With a cipher that
 * encrypts, the ref is still the hash of the plaintext and only the file's bytes change.
 */
export class BlobStore {
  readonly root: string;

  constructor(
    workspace: string,
    private readonly cipher: BlobCipher = plaintextBlobs,
  ) {
    this.root = join(workspace, STATE_DIR, 'blobs');
  }

  async putJson(value: unknown): Promise<string> {
    const text = JSON.stringify(value);
    const ref = createHash('sha256').update(text).digest('hex');
    const path = this.pathOf(ref);
    // An existing blob is touched so its mtime says when it was last used: the state sweeper
    // deletes by age. If the touch finds it gone (never written, or just swept), write it.
    if (!(await touchFile(path))) await atomicWrite(path, this.cipher.seal(Buffer.from(text, 'utf8'), ref));
    return ref;
  }

  async getJson<T>(ref: string): Promise<T> {
    if (!/^[0-9a-f]{64}$/.test(ref)) throw new BlobNotFoundError(`Not a blob reference: ${JSON.stringify(ref)}`);
    try {
      const plain = this.cipher.open(await readFile(this.pathOf(ref)), ref);
      return JSON.parse(Buffer.from(plain).toString('utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BlobNotFoundError(
          `Blob ${ref} is missing from ${this.root}. Every worker must mount the same workspace volume.`,
        );
      }
      throw error;
    }
  }

  pathOf(ref: string): string {
    return join(this.root, ref.slice(0, 2), `${ref}.json`);
  }
}
