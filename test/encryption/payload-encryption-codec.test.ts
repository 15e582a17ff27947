// The payload codec on its own: round trip, what an encrypted payload looks like, and the
// errors a wrong key, a tampered payload or a missing configuration produce.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DecryptionError } from '../../src/encryption/decryption-error.js';
import {
  CIPHER_METADATA,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadEncryptionCodec,
} from '../../src/encryption/payload-encryption-codec.js';
import { ringOf, testKey } from './keys.js';

const keyA = testKey('key-a');
const keyB = testKey('key-b');
const secretText = 'the launch code is 0000 (payload codec test)';

const metadataText = (payload: Payload) =>
  Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString()]));

async function decodeError(codec: PayloadEncryptionCodec, payloads: Payload[]): Promise<DecryptionError> {
  const error = await codec.decode(payloads).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DecryptionError);
  return error as DecryptionError;
}

describe('PayloadEncryptionCodec', () => {
  const codecA = new PayloadEncryptionCodec(ringOf([keyA]));

  it('round-trips payloads, metadata included, and hides their content', async () => {
    const originals = [
      defaultPayloadConverter.toPayload({ message: secretText, n: 1 }),
      defaultPayloadConverter.toPayload(secretText),
      defaultPayloadConverter.toPayload(undefined),
      defaultPayloadConverter.toPayload(new Uint8Array([1, 2, 3])),
    ];
    const encoded = await codecA.encode(originals);
    expect(encoded).toHaveLength(originals.length);
    for (const payload of encoded) {
      expect(metadataText(payload)).toEqual({
        encoding: ENCRYPTED_ENCODING,
        [KEY_ID_METADATA]: 'key-a',
        [CIPHER_METADATA]: 'AES-256-GCM',
      });
      expect(Buffer.from(payload.data!).includes(Buffer.from('launch code'))).toBe(false);
    }
    const decoded = await codecA.decode(encoded);
    decoded.forEach((payload, index) => expect(metadataText(payload)).toEqual(metadataText(originals[index]!)));
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toEqual({ message: secretText, n: 1 });
    expect(defaultPayloadConverter.fromPayload(decoded[1]!)).toBe(secretText);
    expect(defaultPayloadConverter.fromPayload(decoded[2]!)).toBeUndefined();
    expect(defaultPayloadConverter.fromPayload(decoded[3]!)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await codecA.encode([])).toEqual([]);
  });

  it('uses a fresh IV every time: the same payload never encrypts to the same bytes', async () => {
    const payload = defaultPayloadConverter.toPayload(secretText);
    const [first] = await codecA.encode([payload]);
    const [second] = await codecA.encode([payload]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
  });

  it('passes plain payloads through on decode, so encryption can be switched on under running workflows', async () => {
    const plain = defaultPayloadConverter.toPayload({ before: 'encryption' });
    const [decoded] = await codecA.decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('fails on a tampered ciphertext, naming the key id', async () => {
    const [encoded] = await codecA.encode([defaultPayloadConverter.toPayload(secretText)]);
    const data = Buffer.from(encoded!.data!);
    data[20] = data[20]! ^ 0x01;
    const error = await decodeError(codecA, [{ ...encoded!, data }]);
    expect(error.keyId).toBe('key-a');
    expect(error.message).toContain('Cannot decrypt a payload with key "key-a": authentication failed');
    expect(error.message).toContain('altered');
  });

  it('fails when the key id in the metadata is switched to another key of the ring', async () => {
    const [encoded] = await codecA.encode([defaultPayloadConverter.toPayload(secretText)]);
    const both = new PayloadEncryptionCodec(ringOf([keyA, keyB]));
    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('key-b') } };
    const error = await decodeError(both, [relabelled]);
    expect(error.message).toContain('with key "key-b": authentication failed');
  });

  it('fails when one key id holds different bytes in two places', async () => {
    const [encoded] = await codecA.encode([defaultPayloadConverter.toPayload(secretText)]);
    const impostor = new PayloadEncryptionCodec(ringOf([testKey('key-a')]));
    const error = await decodeError(impostor, [encoded!]);
    expect(error.message).toContain('one key id must mean the same key on every worker and client');
  });

  it('names the missing key id, the keys it has, and what to do', async () => {
    const [encoded] = await codecA.encode([defaultPayloadConverter.toPayload(secretText)]);
    const error = await decodeError(new PayloadEncryptionCodec(ringOf([keyB])), [encoded!]);
    expect(error.keyId).toBe('key-a');
    expect(error.message).toBe(
      'Cannot decrypt a payload: it was encrypted with key "key-a", which this process does not have (it has "key-b"). ' +
        'Add key "key-a" to EXOCLAW_ENCRYPTION_KEYS or the keys file on every worker and client; ' +
        'a retired key stays listed until nothing it encrypted is needed any more.',
    );
  });

  it('without keys: encrypts nothing, and an encrypted payload says encryption is not configured', async () => {
    const off = new PayloadEncryptionCodec(undefined);
    const plain = defaultPayloadConverter.toPayload(secretText);
    expect(await off.encode([plain])).toEqual([plain]);
    const [encoded] = await codecA.encode([plain]);
    const error = await decodeError(off, [encoded!]);
    expect(error.message).toContain('it is encrypted with key "key-a", but encryption is not configured in this process');
    expect(error.message).toContain('EXOCLAW_ENCRYPTION_KEYS');
  });

  it('rotation: a ring whose active key is B still reads what A encrypted, and writes with B', async () => {
    const [oldPayload] = await codecA.encode([defaultPayloadConverter.toPayload('written under A')]);
    const rotated = new PayloadEncryptionCodec(ringOf([keyA, keyB], 'key-b'));
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload('written under B')]);
    expect(metadataText(fresh!)[KEY_ID_METADATA]).toBe('key-b');
    const decoded = await rotated.decode([oldPayload!, fresh!]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([
      'written under A',
      'written under B',
    ]);
    // A process that only has A cannot read what B wrote.
    const error = await decodeError(codecA, [fresh!]);
    expect(error.message).toContain('encrypted with key "key-b", which this process does not have (it has "key-a")');
  });

  it('never echoes a malformed key id from a payload', async () => {
    const [encoded] = await codecA.encode([defaultPayloadConverter.toPayload(secretText)]);
    const forged = { ...encoded!, metadata: { ...encoded!.metadata, [KEY_ID_METADATA]: Buffer.from('<script>x</script>') } };
    const error = await decodeError(codecA, [forged]);
    expect(error.message).toContain('(malformed key id)');
    expect(error.message).not.toContain('<script>');
  });
});
