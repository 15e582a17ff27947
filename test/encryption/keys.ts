// Test keys: fresh random bytes per run, so nothing in the repo ever decrypts anything.
import { randomBytes } from 'node:crypto';
import { EncryptionKeyRing } from '../../src/encryption/encryption-key-ring.js';

export interface TestKey {
  id: string;
  bytes: Buffer;
  base64: string;
}

export function testKey(id: string): TestKey {
  const bytes = randomBytes(32);
  return { id, bytes, base64: bytes.toString('base64') };
}

/** A ring of the given keys; the first one is active unless `active` says otherwise. */
export function ringOf(keys: TestKey[], active: string = keys[0]!.id): EncryptionKeyRing {
  return new EncryptionKeyRing(new Map(keys.map((key) => [key.id, key.bytes])), active);
}
