import type { Payload, PayloadCodec } from '@temporalio/common';
// Default import: @temporalio/proto is CommonJS, and Node's ESM loader sees no named exports.
import proto from '@temporalio/proto';
import { openAesGcm, sealAesGcm } from './aes-gcm.js';
import { DecryptionError } from './decryption-error.js';
import type { EncryptionKeyRing } from './encryption-key-ring.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/** Metadata of an encrypted payload; a codec server for the Web UI reads the same names. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const CIPHER_METADATA = 'encryption-cipher';
export const CIPHER = 'AES-256-GCM';

/**
 * Temporal PayloadCodec: each payload (its metadata and data, serialised) becomes one
 * AES-256-GCM message under the active key; the key id goes into the metadata so any key of
 * the ring can open it later. Codecs run outside the workflow sandbox, before external
 * storage on the way out and after it on the way in, so offloaded payloads are encrypted too.
 *
 * Without keys it encrypts nothing and passes plain payloads through, but an encrypted one
 * fails with a message saying encryption is not configured, instead of an "unknown encoding".
 * Plain payloads always decode, so encryption can be switched on under running workflows.
 */
export class PayloadEncryptionCodec implements PayloadCodec {
  constructor(readonly keys: EncryptionKeyRing | undefined) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keys = this.keys;
    if (!keys) return payloads;
    const keyId = keys.activeKeyId;
    return payloads.map((payload) => ({
      metadata: {
        encoding: utf8(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: utf8(keyId),
        [CIPHER_METADATA]: utf8(CIPHER),
      },
      data: sealAesGcm(keys.activeKey, PayloadProto.encode(payload).finish(), aadFor(keyId)),
    }));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const metadata = payload.metadata ?? {};
    if (text(metadata['encoding']) !== ENCRYPTED_ENCODING) return payload;
    const keyId = text(metadata[KEY_ID_METADATA]) ?? '';
    const cipher = text(metadata[CIPHER_METADATA]);
    if (cipher !== undefined && cipher !== CIPHER) {
      throw new DecryptionError(
        `Cannot decrypt a payload: it names a cipher other than ${CIPHER}, the only one this version reads. ` +
          'Run the same exoclaw-temporal version on every worker and client.',
        keyId,
      );
    }
    const key = this.keys?.key(keyId);
    if (!key) throw DecryptionError.missingKey('a payload', keyId, this.keys);
    const plain = openAesGcm(key, payload.data ?? new Uint8Array(), aadFor(keyId));
    if (!plain) throw DecryptionError.tampered('a payload', keyId);
    const decoded = PayloadProto.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}

// Binds the ciphertext to the key id it claims, and to this use: a blob cannot pass for a payload.
function aadFor(keyId: string): Uint8Array {
  return utf8(`exoclaw-payload/v1/${keyId}`);
}

function utf8(value: string): Uint8Array {
  return Buffer.from(value, 'utf8');
}

function text(value: Uint8Array | null | undefined): string | undefined {
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
