import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ExoclawError } from '../core/errors.js';
import { plaintextBlobs, type BlobCipher } from '../encryption/blob-cipher.js';
import { touchFile } from './touch-file.js';

/** A referenced blob is not on the volume (swept by `gc`, or a worker on another volume). Retrying cannot help. */
export class BlobMissingError extends ExoclawError {
  override readonly name = 'BlobMissing';
  readonly category = 'user';
}

/** A blob's content does not hash to its name: it was altered. It is never trusted. */
export class BlobCorruptedError extends ExoclawError {
  override readonly name = 'BlobCorrupted';
  readonly category = 'user';
}

/** A blob reference: the sha256 of the blob's plaintext, in hex. */
export const BLOB_REF = /^[0-9a-f]{64}$/;

/**
 * Content-addressed JSON blobs in the state root. Workflow history carries the 64-character hash
 * instead of the value, so it stays small however long transcripts grow. A blob is created
 * exclusively (never written over) and checked against its hash whenever it is read, so a file
 * planted under a predictable name is refused rather than trusted. With a cipher that encrypts,
 * the ref is still the hash of the plaintext and only the file's bytes change.
 */
export class BlobStore {
  readonly root: string;

  constructor(
    stateDir: string,
    private readonly cipher: BlobCipher = plaintextBlobs,
  ) {
    this.root = join(stateDir, 'blobs');
  }

  async putJson(value: unknown): Promise<string> {
    const text = JSON.stringify(value);
    const ref = sha256(text);
    const path = this.pathOf(ref);
    // An existing blob is touched so its mtime says when it was last used (the state sweeper
    // deletes by age), and kept only if it is what its name says.
    if (await touchFile(path)) {
      if (await this.holds(path, ref)) return ref;
      await this.replace(path, ref, text);
      return ref;
    }
    await this.create(path, ref, text);
    return ref;
  }

  async getJson<T>(ref: string): Promise<T> {
    if (!BLOB_REF.test(ref)) throw new BlobMissingError(`Not a blob reference: ${JSON.stringify(ref)}`);
    let stored: Buffer;
    try {
      stored = await readFile(this.pathOf(ref));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new BlobMissingError(
          `Blob ${ref} is missing from ${this.root}: it was deleted (gc) or this worker uses another state root. ` +
            'Every worker must mount the same state volume; a turn whose blobs are gone cannot continue.',
        );
      }
      throw error;
    }
    const plain = Buffer.from(this.cipher.open(stored, ref));
    if (sha256(plain) !== ref) {
      throw new BlobCorruptedError(`Blob ${ref} in ${this.root} does not match its hash: it was altered and is not used.`);
    }
    return JSON.parse(plain.toString('utf8')) as T;
  }

  pathOf(ref: string): string {
    return join(this.root, ref.slice(0, 2), `${ref}.json`);
  }

  private async holds(path: string, ref: string): Promise<boolean> {
    try {
      return sha256(Buffer.from(this.cipher.open(await readFile(path), ref))) === ref;
    } catch {
      return false;
    }
  }

  /** Writes a temp file, then links it into place: link fails if the name exists, so nothing is overwritten. */
  private async create(path: string, ref: string, text: string): Promise<void> {
    const temp = await this.writeTemp(path, ref, text);
    try {
      await link(temp, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Written meanwhile by another worker (same content) or planted: checked like any existing blob.
      if (!(await this.holds(path, ref))) await rename(temp, path);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  /** An existing file under this name is not this blob: put the real one in its place. */
  private async replace(path: string, ref: string, text: string): Promise<void> {
    const temp = await this.writeTemp(path, ref, text);
    await rename(temp, path);
  }

  private async writeTemp(path: string, ref: string, text: string): Promise<string> {
    const temp = join(dirname(path), `.${ref}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(temp, 'wx').catch(async (error: NodeJS.ErrnoException) => {
      // The state sweeper may remove an empty folder between the mkdir and the open: recreate it once.
      if (error.code !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true });
      return open(temp, 'wx');
    });
    try {
      await handle.writeFile(this.cipher.seal(Buffer.from(text, 'utf8'), ref));
    } finally {
      await handle.close();
    }
    return temp;
  }
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
