import { openAesGcm, sealAesGcm } from './aes-gcm.js';
import { DecryptionError } from './decryption-error.js';
import type { EncryptionKeyRing } from './encryption-key-ring.js';

/**
 * How a blob's bytes are kept on the volume. The blob store names a blob by the hash of its
 * plaintext (so writes stay idempotent and the hash can be checked after `open`) and hands that
 * ref to both steps, so a sealed blob only opens under its own name.
 */
export interface BlobCipher {
  seal(plaintext: Uint8Array, ref: string): Uint8Array;
  /** The plaintext; throws DecryptionError when it cannot be read. */
  open(stored: Uint8Array, ref: string): Uint8Array;
}

// An encrypted blob: MAGIC ‖ key id length (1 byte) ‖ key id ‖ iv ‖ ciphertext ‖ tag.
// Plain blobs are JSON, which never starts with "X".
const MAGIC = Buffer.from('XCB1', 'latin1');

/** Blobs kept as they are; an encrypted one (left by an encrypting worker) fails clearly. */
export const plaintextBlobs: BlobCipher = {
  seal: (plaintext) => plaintext,
  open(stored, ref) {
    const keyId = encryptedKeyId(stored);
    if (keyId !== undefined) throw DecryptionError.missingKey(`blob ${ref}`, keyId, undefined);
    return stored;
  },
};

/** AES-256-GCM under the ring's active key. Plain blobs written before encryption was on still open. */
export class EncryptedBlobCipher implements BlobCipher {
  constructor(readonly keys: EncryptionKeyRing) {}

  seal(plaintext: Uint8Array, ref: string): Uint8Array {
    const keyId = this.keys.activeKeyId;
    const id = Buffer.from(keyId, 'utf8');
    return Buffer.concat([MAGIC, Buffer.of(id.length), id, sealAesGcm(this.keys.activeKey, plaintext, aadFor(keyId, ref))]);
  }

  open(stored: Uint8Array, ref: string): Uint8Array {
    const keyId = encryptedKeyId(stored);
    if (keyId === undefined) return stored;
    const key = this.keys.key(keyId);
    if (!key) throw DecryptionError.missingKey(`blob ${ref}`, keyId, this.keys);
    const body = stored.subarray(MAGIC.length + 1 + Buffer.byteLength(keyId, 'utf8'));
    const plain = openAesGcm(key, body, aadFor(keyId, ref));
    if (!plain) throw DecryptionError.tampered(`blob ${ref}`, keyId);
    return plain;
  }
}

/** The cipher for a worker's blob store: encrypted when there are keys and blob encryption is not switched off. */
export function blobCipherFor(keys: EncryptionKeyRing | undefined, opts: { blobs?: boolean } = {}): BlobCipher {
  return keys && opts.blobs !== false ? new EncryptedBlobCipher(keys) : plaintextBlobs;
}

/** The key id of an encrypted blob, or undefined for a plain one. */
function encryptedKeyId(stored: Uint8Array): string | undefined {
  if (stored.length <= MAGIC.length || !MAGIC.equals(stored.subarray(0, MAGIC.length))) return undefined;
  const length = stored[MAGIC.length]!;
  return Buffer.from(stored.subarray(MAGIC.length + 1, MAGIC.length + 1 + length)).toString('utf8');
}

function aadFor(keyId: string, ref: string): Uint8Array {
  return Buffer.from(`exoclaw-blob/v1/${keyId}/${ref}`, 'utf8');
}
