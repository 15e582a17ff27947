// Message blobs encrypted on the volume: same refs and idempotent writes as plain blobs, no
// plaintext in the files, a blob only opens under its own name, and clear errors for keys.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blobCipherFor, EncryptedBlobCipher, plaintextBlobs } from '../../src/encryption/blob-cipher.js';
import { DecryptionError } from '../../src/encryption/decryption-error.js';
import { BlobStore } from '../../src/storage/index.js';
import { ringOf, testKey } from './keys.js';

const keyA = testKey('key-a');
const keyB = testKey('key-b');
const secret = [{ role: 'user', content: 'my locker combination is 31-7-22 (blob test)' }];
let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exoclaw-blob-cipher-'));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const encrypted = (...keys: Parameters<typeof ringOf>) => new BlobStore(workspace, new EncryptedBlobCipher(ringOf(...keys)));

async function failure(promise: Promise<unknown>): Promise<DecryptionError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DecryptionError);
  return error as DecryptionError;
}

describe('encrypted blobs', () => {
  it('keep the plaintext hash as ref and no plaintext in the file', async () => {
    const store = encrypted([keyA]);
    const ref = await store.putJson(secret);
    expect(ref).toBe(createHash('sha256').update(JSON.stringify(secret)).digest('hex'));
    expect(ref).toBe(await new BlobStore(join(workspace, 'plain')).putJson(secret));
    const bytes = await readFile(store.pathOf(ref));
    expect(bytes.includes(Buffer.from('locker combination'))).toBe(false);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('XCB1');
    expect(await store.getJson(ref)).toEqual(secret);
  });

  it('write idempotently: a repeated put keeps the one file and its bytes', async () => {
    const store = encrypted([keyA]);
    const ref = await store.putJson(secret);
    const before = await readFile(store.pathOf(ref));
    expect(await encrypted([keyA]).putJson(secret)).toBe(ref);
    expect((await readFile(store.pathOf(ref))).equals(before)).toBe(true);
  });

  it('open only under their own name: a blob copied over another ref fails', async () => {
    const store = encrypted([keyA]);
    const real = await store.putJson(secret);
    const other = await store.putJson([{ role: 'user', content: 'something else' }]);
    await copyFile(store.pathOf(real), store.pathOf(other));
    const error = await failure(store.getJson(other));
    expect(error.message).toContain(`Cannot decrypt blob ${other} with key "key-a": authentication failed`);
  });

  it('fail on a flipped byte, naming the blob and the key', async () => {
    const store = encrypted([keyA]);
    const ref = await store.putJson(secret);
    const bytes = await readFile(store.pathOf(ref));
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x80;
    await writeFile(store.pathOf(ref), bytes);
    expect((await failure(store.getJson(ref))).message).toContain(`blob ${ref} with key "key-a": authentication failed`);
  });

  it('rotation: read with the old key after the active key changed; new blobs use the new key', async () => {
    const ref = await encrypted([keyA]).putJson(secret);
    const rotated = encrypted([keyA, keyB], 'key-b');
    expect(await rotated.getJson(ref)).toEqual(secret);
    const fresh = await rotated.putJson({ after: 'rotation' });
    expect((await readFile(rotated.pathOf(fresh))).subarray(5, 10).toString('utf8')).toBe('key-b');
    const error = await failure(encrypted([keyA]).getJson(fresh));
    expect(error.message).toContain(`Cannot decrypt blob ${fresh}: it was encrypted with key "key-b", which this process does not have`);
  });

  it('plain blobs written before encryption was switched on still read', async () => {
    const ref = await new BlobStore(workspace).putJson(secret);
    expect(await encrypted([keyA]).getJson(ref)).toEqual(secret);
  });

  it('a worker without keys meets an encrypted blob with a message saying what to set', async () => {
    const ref = await encrypted([keyA]).putJson(secret);
    const error = await failure(new BlobStore(workspace).getJson(ref));
    expect(error.message).toContain(`Cannot read blob ${ref}: it is encrypted with key "key-a", but encryption is not configured`);
  });

  it('never echoes a forged key id from a planted file', async () => {
    const store = encrypted([keyA]);
    const ref = createHash('sha256').update('"planted"').digest('hex');
    await mkdir(dirname(store.pathOf(ref)), { recursive: true });
    const id = Buffer.from('<img src=x>');
    await writeFile(store.pathOf(ref), Buffer.concat([Buffer.from('XCB1'), Buffer.of(id.length), id, Buffer.alloc(40)]));
    const error = await failure(store.getJson(ref));
    expect(error.message).toContain('(malformed key id)');
    expect(error.message).not.toContain('<img');
    expect((await stat(store.pathOf(ref))).isFile()).toBe(true);
  });

  it('blobCipherFor: encrypted only with keys and blob encryption left on', () => {
    const ring = ringOf([keyA]);
    expect(blobCipherFor(undefined)).toBe(plaintextBlobs);
    expect(blobCipherFor(ring, { blobs: false })).toBe(plaintextBlobs);
    expect(blobCipherFor(ring)).toBeInstanceOf(EncryptedBlobCipher);
    expect(blobCipherFor(ring, { blobs: true })).toBeInstanceOf(EncryptedBlobCipher);
  });
});
