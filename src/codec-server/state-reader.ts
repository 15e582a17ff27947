import { createHash } from 'node:crypto';
import type { Payload } from '@temporalio/common';
// Default import: @temporalio/proto is CommonJS, and Node's ESM loader sees no named exports.
import proto from '@temporalio/proto';
import type { Message } from '../core/index.js';
import type { BlobCipher } from '../encryption/blob-cipher.js';
import { BLOB_REF } from '../storage/blob-store.js';
import { PinnedDir } from '../storage/pinned-dir.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/** Larger files are not read: a message blob or a kept payload is far smaller (history caps payloads at 2 MB). */
export const MAX_STATE_FILE_BYTES = 64 * 1024 * 1024;

/** A blob or payload could not be read: missing, not a plain file, too large, altered or not decryptable. */
export class StateReadError extends Error {
  override readonly name = 'StateReadError';
}

/**
 * Read-only access to the two kinds of state the codec server shows people: message blobs
 * (`<state>/blobs/`) and payloads kept out of history (`<state>/payloads/`). Names are checked
 * hashes, every step goes through directory descriptors without following a link, only regular
 * files under a size cap are read, and a file is used only if it hashes to its name, so nothing
 * outside the state root is ever served, and nothing planted in it either.
 */
export class StateReader {
  constructor(
    readonly stateDir: string,
    private readonly cipher: BlobCipher,
  ) {}

  /** The messages a blob reference stands for. */
  async messages(ref: string): Promise<Message[]> {
    if (!BLOB_REF.test(ref)) throw new StateReadError(`Not a blob reference: ${JSON.stringify(ref).slice(0, 80)}`);
    const stored = await this.read(['blobs', ref.slice(0, 2)], `${ref}.json`, `blob ${ref}`);
    let plain: Uint8Array;
    try {
      plain = this.cipher.open(stored, ref);
    } catch (error) {
      throw new StateReadError((error as Error).message);
    }
    if (sha256(plain) !== ref) throw new StateReadError(`Blob ${ref} does not match its hash: it was altered and is not shown.`);
    const value: unknown = JSON.parse(Buffer.from(plain).toString('utf8'));
    if (!Array.isArray(value)) throw new StateReadError(`Blob ${ref} does not hold a list of messages.`);
    return value as Message[];
  }

  /** A payload the workers kept in the state root instead of history (an ExternalStorage claim). */
  async payload(sha: string): Promise<Payload> {
    if (!BLOB_REF.test(sha)) throw new StateReadError(`Not a payload claim: ${JSON.stringify(sha).slice(0, 80)}`);
    const bytes = await this.read(['payloads'], `${sha}.bin`, `payload ${sha}`);
    if (sha256(bytes) !== sha) throw new StateReadError(`Payload ${sha} does not match its hash: it was altered and is not shown.`);
    const decoded = PayloadProto.decode(bytes);
    return { metadata: decoded.metadata, data: decoded.data };
  }

  private async read(folders: string[], name: string, what: string): Promise<Uint8Array> {
    const opened: PinnedDir[] = [];
    try {
      // The state root itself is the operator's choice and may be a link; nothing below it may.
      let dir = await PinnedDir.open(this.stateDir, { followLinks: true });
      if (dir) opened.push(dir);
      for (const folder of folders) {
        if (!dir) break;
        dir = await dir.child(folder);
        if (dir) opened.push(dir);
      }
      if (!dir) throw new StateReadError(`${capitalise(what)} is not in the state root ${this.stateDir} (deleted by gc, or another state root).`);
      const handle = await dir.openFile(name).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') {
          throw new StateReadError(`${capitalise(what)} is not in the state root ${this.stateDir} (deleted by gc, or another state root).`);
        }
        if (error.code === 'ELOOP') throw new StateReadError(`${capitalise(what)} is a link in the state root: not followed.`);
        throw error;
      });
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new StateReadError(`${capitalise(what)} is not a plain file: not read.`);
        if (stat.size > MAX_STATE_FILE_BYTES) throw new StateReadError(`${capitalise(what)} is ${stat.size} bytes, over the ${MAX_STATE_FILE_BYTES}-byte limit: not read.`);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    } finally {
      for (const dir of opened.reverse()) await dir.close();
    }
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
