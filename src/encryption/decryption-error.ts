import { KEY_ID_PATTERN, type EncryptionKeyRing } from './encryption-key-ring.js';

/** Something encrypted could not be decrypted; the message names the key id and what to do. */
export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';

  constructor(
    message: string,
    /** The key id the data says it was encrypted with (not secret). */
    readonly keyId: string,
  ) {
    super(message);
  }

  /** `what` was encrypted with a key this process does not have (or it has no keys at all). */
  static missingKey(what: string, rawKeyId: string, keys: EncryptionKeyRing | undefined): DecryptionError {
    const keyId = shown(rawKeyId);
    if (!keys) {
      return new DecryptionError(
        `Cannot read ${what}: it is encrypted with key "${keyId}", but encryption is not configured in this process. ` +
          'Set EXOCLAW_ENCRYPTION_KEYS or EXOCLAW_ENCRYPTION_KEYS_FILE, with the same keys, on every worker and client (docs/security.md).',
        keyId,
      );
    }
    return new DecryptionError(
      `Cannot decrypt ${what}: it was encrypted with key "${keyId}", which this process does not have ` +
        `(it has ${keys.keyIds.map((id) => `"${id}"`).join(', ')}). Add key "${keyId}" to EXOCLAW_ENCRYPTION_KEYS or the keys ` +
        'file on every worker and client; a retired key stays listed until nothing it encrypted is needed any more.',
      keyId,
    );
  }

  /** Authentication failed: altered data, or the same id names different key bytes elsewhere. */
  static tampered(what: string, rawKeyId: string): DecryptionError {
    const keyId = shown(rawKeyId);
    return new DecryptionError(
      `Cannot decrypt ${what} with key "${keyId}": authentication failed. Either it was altered, or key "${keyId}" ` +
        'here holds different bytes than where it was encrypted (one key id must mean the same key on every worker and client).',
      keyId,
    );
  }
}

// The key id comes from the stored data: echo it only when it looks like one.
function shown(keyId: string): string {
  return KEY_ID_PATTERN.test(keyId) ? keyId : '(malformed key id)';
}
