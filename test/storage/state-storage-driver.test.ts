import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPayloadConverter, StorageDriverClaim } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PayloadCorruptedError,
  PayloadNotFoundError,
  StateStorageDriver,
  stateDataConverter,
} from '../../src/storage/state-storage-driver.js';

let workspace: string;
let driver: StateStorageDriver;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exoclaw-payloads-'));
  driver = new StateStorageDriver(workspace);
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

const payloadsDir = () => join(workspace, 'payloads');

describe('StateStorageDriver', () => {
  it('stores payloads as files and retrieves them by claim', async () => {
    const big = defaultPayloadConverter.toPayload({ text: 'x'.repeat(300_000), n: 1 });
    const small = defaultPayloadConverter.toPayload('hello');
    const claims = await driver.store({}, [big, small]);

    expect(claims).toHaveLength(2);
    for (const claim of claims) expect(claim.claimData['sha256']).toMatch(/^[0-9a-f]{64}$/);
    const files = (await readdir(payloadsDir())).sort();
    expect(files).toEqual(claims.map((claim) => `${claim.claimData['sha256']}.bin`).sort());

    const [bigBack, smallBack] = await driver.retrieve({}, claims);
    expect(defaultPayloadConverter.fromPayload(bigBack!)).toEqual({ text: 'x'.repeat(300_000), n: 1 });
    expect(defaultPayloadConverter.fromPayload(smallBack!)).toBe('hello');
    const text = (metadata: Record<string, Uint8Array> | null | undefined) =>
      Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString()]));
    expect(text(bigBack!.metadata)).toEqual(text(big.metadata));
  });

  it('is idempotent: the same payload gives the same claim and one file', async () => {
    const payload = defaultPayloadConverter.toPayload({ retried: true });
    const [first] = await driver.store({}, [payload]);
    const [second] = await new StateStorageDriver(workspace).store({}, [payload]);
    expect(second!.claimData).toEqual(first!.claimData);
    expect(await readdir(payloadsDir())).toHaveLength(1);
  });

  it('names the state root when a payload file is missing', async () => {
    const claim = new StorageDriverClaim({ sha256: 'a'.repeat(64) });
    const error = await driver.retrieve({}, [claim]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadNotFoundError);
    expect((error as Error).message).toContain(workspace);
    expect((error as Error).message).toContain('a'.repeat(64));
  });

  it('rejects malformed claims and tampered files', async () => {
    await expect(driver.retrieve({}, [new StorageDriverClaim({ sha256: '../../etc/passwd' })])).rejects.toBeInstanceOf(
      PayloadNotFoundError,
    );
    const [claim] = await driver.store({}, [defaultPayloadConverter.toPayload('original')]);
    const file = join(payloadsDir(), `${claim!.claimData['sha256']}.bin`);
    await writeFile(file, Buffer.concat([await readFile(file), Buffer.from('!')]));
    await expect(driver.retrieve({}, [claim!])).rejects.toBeInstanceOf(PayloadCorruptedError);
  });

  it('builds a DataConverter whose external storage uses the state root driver', () => {
    const converter = stateDataConverter(workspace, { thresholdBytes: 1024 });
    expect(converter.externalStorage?.payloadSizeThreshold).toBe(1024);
    const [only] = converter.externalStorage?.drivers ?? [];
    expect(only).toBeInstanceOf(StateStorageDriver);
    expect((only as StateStorageDriver).stateDir).toBe(workspace);
    expect(stateDataConverter(workspace).externalStorage?.payloadSizeThreshold).toBe(256 * 1024);
  });
});
