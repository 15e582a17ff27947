import type { DataConverter } from '@temporalio/common';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { PayloadEncryptionCodec } from '../encryption/payload-encryption-codec.js';
import { stateDataConverter } from '../storage/state-storage-driver.js';

export interface ExoclawDataConverterOptions {
  /** The shared state root: payloads over the threshold are kept there instead of in history. */
  stateDir?: string;
  /** Payload encryption keys; without them payloads are stored as they are. */
  encryption?: EncryptionKeyRing;
  thresholdBytes?: number;
}

/**
 * The one DataConverter every worker and client of these workflows uses. The SDK runs codecs
 * before external storage on the way out (and after it on the way in), so a payload kept on
 * the volume is the encrypted one, and history holds only its claim. The codec is installed
 * even without keys, so an encrypted payload meets a clear "not configured" error.
 */
export function exoclawDataConverter(opts: ExoclawDataConverterOptions = {}): DataConverter {
  return {
    payloadCodecs: [new PayloadEncryptionCodec(opts.encryption)],
    ...(opts.stateDir ? stateDataConverter(opts.stateDir, { thresholdBytes: opts.thresholdBytes }) : {}),
  };
}
