import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ExternalStorage,
  StorageDriverClaim,
  type DataConverter,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
// Default import: @temporalio/proto is CommonJS, and Node's ESM loader sees no named exports.
import proto from '@temporalio/proto';
import { z } from 'zod';
import { atomicWrite } from './atomic-write.js';
import { touchFile } from './touch-file.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/**
 * Routing key written into every reference payload: must stay the same on every worker and client,
 * and never change (histories written before the state root moved out of the workspace carry it).
 */
export const STATE_STORAGE_DRIVER_NAME = 'exoclaw-workspace';
/** Same as the SDK's default: payloads at or above this size leave history. */
export const DEFAULT_PAYLOAD_THRESHOLD_BYTES = 256 * 1024;

export class PayloadNotFoundError extends Error {
  override readonly name = 'PayloadNotFoundError';
}

export class PayloadCorruptedError extends Error {
  override readonly name = 'PayloadCorruptedError';
}

// Claims are read back from workflow history, so they are external input.
const claimSchema = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * Temporal ExternalStorage driver that keeps large payloads in the shared state root.
 * Files are content-addressed (sha256 of the encoded Payload), so a retried store writes
 * nothing new and history only carries the hash.
 */
export class StateStorageDriver implements StorageDriver {
  readonly name = STATE_STORAGE_DRIVER_NAME;
  readonly type = 'exoclaw.workspace';
  readonly root: string;

  constructor(readonly stateDir: string) {
    this.root = join(stateDir, 'payloads');
  }

  async store(context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    const claims: StorageDriverClaim[] = [];
    for (const payload of payloads) {
      context.abortSignal?.throwIfAborted();
      const bytes = PayloadProto.encode(payload).finish();
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const path = this.pathOf(sha256);
      // Reused payloads are touched so the state sweeper sees when they were last used.
      if (!(await touchFile(path))) await atomicWrite(path, bytes);
      claims.push(new StorageDriverClaim({ sha256 }));
    }
    return claims;
  }

  async retrieve(context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    const payloads: Payload[] = [];
    for (const claim of claims) {
      context.abortSignal?.throwIfAborted();
      payloads.push(await this.read(claim));
    }
    return payloads;
  }

  private async read(claim: StorageDriverClaim): Promise<Payload> {
    const parsed = claimSchema.safeParse(claim.claimData);
    if (!parsed.success) {
      throw new PayloadNotFoundError(
        `Not a state payload claim: ${JSON.stringify(claim.claimData)} (expected {"sha256": "<64 hex chars>"}).`,
      );
    }
    const { sha256 } = parsed.data;
    let bytes: Buffer;
    try {
      bytes = await readFile(this.pathOf(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PayloadNotFoundError(
          `Payload ${sha256} is missing from ${this.root} (state root ${this.stateDir}). ` +
            'Every worker and client of these workflows must mount the same state volume.',
        );
      }
      throw error;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new PayloadCorruptedError(
        `Payload file ${this.pathOf(sha256)} does not match its hash; restore it from a backup or delete the workflow.`,
      );
    }
    const decoded = PayloadProto.decode(bytes);
    return { metadata: decoded.metadata, data: decoded.data };
  }

  private pathOf(sha256: string): string {
    return join(this.root, `${sha256}.bin`);
  }
}

/** A DataConverter whose payloads above `thresholdBytes` go to the state root instead of history. */
export function stateDataConverter(stateDir: string, opts: { thresholdBytes?: number } = {}): DataConverter {
  return {
    externalStorage: new ExternalStorage({
      drivers: [new StateStorageDriver(stateDir)],
      payloadSizeThreshold: opts.thresholdBytes ?? DEFAULT_PAYLOAD_THRESHOLD_BYTES,
    }),
  };
}
