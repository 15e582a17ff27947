import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import type { Message } from '../core/index.js';
import type { PayloadEncryptionCodec } from '../encryption/payload-encryption-codec.js';
import { STATE_STORAGE_DRIVER_NAME } from '../storage/state-storage-driver.js';
import { expandMessageRefs } from './readable-messages.js';
import type { StateReader } from './state-reader.js';

/** At most this many payloads per request (the Web UI sends one event's payloads at a time). */
export const MAX_PAYLOADS_PER_REQUEST = 1_000;

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const Base64 = z.string().regex(BASE64, 'must be base64');

/**
 * A Payload as the Web UI and the Temporal CLI send it (protobuf JSON: metadata values and data
 * base64). Other fields (e.g. `externalPayloads`) are kept as they are.
 */
const PayloadJson = z.looseObject({
  metadata: z.record(z.string(), Base64).nullish(),
  data: Base64.nullish(),
});
export type PayloadJson = z.infer<typeof PayloadJson>;

/** The body of POST /decode, /encode and /download. */
export const CodecRequest = z.strictObject({ payloads: z.array(PayloadJson).max(MAX_PAYLOADS_PER_REQUEST) });
export type CodecRequest = z.infer<typeof CodecRequest>;

const JSON_PLAIN = 'json/plain';
const JSON_PROTOBUF = 'json/protobuf';
const REFERENCE_TYPE = 'temporal.api.sdk.v1.ExternalStorageReference';
const StateClaim = z.object({ driverName: z.literal(STATE_STORAGE_DRIVER_NAME), claimData: z.object({ sha256: z.string() }) });

/**
 * What the codec server does to payloads: decode = fetch a payload the workers kept in the state
 * root (unless the UI wants storage references kept), decrypt, then show the messages behind
 * message references; encode = encrypt (when keys are configured). A payload that cannot be
 * decoded is replaced by `{"codecError": "<why>"}`, so one bad payload never hides the rest.
 */
export class CodecPayloads {
  constructor(
    private readonly reader: StateReader,
    private readonly codec: PayloadEncryptionCodec,
    private readonly loadMessages: (ref: string) => Promise<Message[]> = (ref) => reader.messages(ref),
  ) {}

  async decode(payloads: PayloadJson[], opts: { preserveStorageRefs?: boolean } = {}): Promise<PayloadJson[]> {
    // One at a time: each may open a few files, and a request may hold a thousand payloads.
    const out: PayloadJson[] = [];
    for (const payload of payloads) out.push(await this.decodeOne(payload, opts.preserveStorageRefs ?? false));
    return out;
  }

  async encode(payloads: PayloadJson[]): Promise<PayloadJson[]> {
    const encoded = await this.codec.encode(payloads.map(fromJson));
    return encoded.map((payload, i) => (payload === undefined ? payloads[i]! : toJson(payload)));
  }

  private async decodeOne(json: PayloadJson, preserveStorageRefs: boolean): Promise<PayloadJson> {
    try {
      let payload = fromJson(json);
      let changed = false;
      const claim = stateClaimOf(payload);
      if (claim) {
        if (preserveStorageRefs) return json;
        payload = await this.reader.payload(claim);
        changed = true;
      }
      const [decrypted] = await this.codec.decode([payload]);
      if (decrypted !== payload) changed = true;
      payload = decrypted!;
      const expanded = await this.expand(payload);
      if (expanded) return toJson(expanded);
      return changed ? toJson(payload) : json;
    } catch (error) {
      return toJson(jsonPayload({ codecError: (error as Error).message }));
    }
  }

  /** The payload with its message references expanded, or undefined when it has none. */
  private async expand(payload: Payload): Promise<Payload | undefined> {
    if (text(payload.metadata?.['encoding']) !== JSON_PLAIN || !payload.data) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(payload.data).toString('utf8'));
    } catch {
      return undefined; // not ours to fix: shown as it is
    }
    const result = await expandMessageRefs(value, this.loadMessages);
    if (result.refs === 0) return undefined;
    return { metadata: payload.metadata, data: Buffer.from(JSON.stringify(result.value), 'utf8') };
  }
}

/** The sha256 of a reference payload written by the state root's ExternalStorage driver. */
function stateClaimOf(payload: Payload): string | undefined {
  const metadata = payload.metadata ?? {};
  if (text(metadata['encoding']) !== JSON_PROTOBUF || text(metadata['messageType']) !== REFERENCE_TYPE) return undefined;
  try {
    const parsed = StateClaim.safeParse(JSON.parse(Buffer.from(payload.data ?? []).toString('utf8')));
    return parsed.success ? parsed.data.claimData.sha256 : undefined;
  } catch {
    return undefined;
  }
}

function jsonPayload(value: unknown): Payload {
  return { metadata: { encoding: Buffer.from(JSON_PLAIN) }, data: Buffer.from(JSON.stringify(value), 'utf8') };
}

export function fromJson(json: PayloadJson): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(json.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: json.data ? Buffer.from(json.data, 'base64') : new Uint8Array() };
}

export function toJson(payload: Payload): PayloadJson {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload.metadata ?? {})) {
    if (value) metadata[key] = Buffer.from(value).toString('base64');
  }
  return { metadata, data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64') };
}

function text(value: Uint8Array | null | undefined): string | undefined {
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
