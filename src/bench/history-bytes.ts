// How big a workflow history is on the wire: the protobuf encoding Temporal stores and whose
// size its limits (50 MB per history, 2 MB per payload by default) are measured against.
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Payload = temporal.api.common.v1.IPayload;

export interface HistorySize {
  /** The encoded history, all events. */
  totalBytes: number;
  events: number;
  /** The largest single payload (workflow input, activity input or result, …), encoded. */
  largestPayloadBytes: number;
  /** The event type that carried the largest payload, e.g. EVENT_TYPE_ACTIVITY_TASK_COMPLETED. */
  largestPayloadEvent: string;
}

export function measureHistory(history: History): HistorySize {
  let largestPayloadBytes = 0;
  let largestPayloadEvent = '';
  for (const event of history.events ?? []) {
    for (const payload of payloadsIn(event)) {
      const bytes = temporal.api.common.v1.Payload.encode(payload).finish().byteLength;
      if (bytes > largestPayloadBytes) {
        largestPayloadBytes = bytes;
        largestPayloadEvent = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
      }
    }
  }
  return {
    totalBytes: temporal.api.history.v1.History.encode(history).finish().byteLength,
    events: history.events?.length ?? 0,
    largestPayloadBytes,
    largestPayloadEvent,
  };
}

/** Every Payload object nested anywhere in a decoded event. */
function* payloadsIn(value: unknown, depth = 0): Generator<Payload> {
  if (depth > 32 || value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (isPayload(value)) {
    yield value;
    return;
  }
  for (const child of Array.isArray(value) ? value : Object.values(value)) yield* payloadsIn(child, depth + 1);
}

function isPayload(value: object): value is Payload {
  return 'data' in value && (value as Payload).data instanceof Uint8Array && 'metadata' in value;
}
