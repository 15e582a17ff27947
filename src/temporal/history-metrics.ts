// How big a workflow history is, and where the bytes are. Used by the durable tests (history
// must stay flat per loop step however long the transcript grows) and by the benchmark.
import { historyToJson, type History } from './history-json.js';

export type { History };

export interface HistoryMetrics {
  events: number;
  /** Sum of every payload's data and metadata bytes (inputs, results, failures, heartbeats). */
  payloadBytes: number;
  payloadCount: number;
  /** The biggest single payload, and the kind of event that carried it (e.g. "activityTaskCompleted"). */
  largestPayloadBytes: number;
  largestPayloadEvent: string | undefined;
  /** Size of the history as `temporal workflow show --output json` prints it. */
  jsonBytes: number;
  /** Scheduled activities by type, e.g. { llmChat: 6, executeTool: 5 }. */
  activities: Record<string, number>;
  /** Loop steps: one per model call (`llmChat` scheduled). */
  steps: number;
  /** payloadBytes / steps (payloadBytes when there are no steps). */
  payloadBytesPerStep: number;
}

/**
 * Measures a history as the client's `fetchHistory()` returns it, or as parsed from a JSON
 * export (payload data is then base64 text).
 */
export function measureHistory(history: History, opts: { stepActivity?: string } = {}): HistoryMetrics {
  const stepActivity = opts.stepActivity ?? 'llmChat';
  const events = history.events ?? [];
  const activities: Record<string, number> = {};
  let payloadBytes = 0;
  let payloadCount = 0;
  let largestPayloadBytes = 0;
  let largestPayloadEvent: string | undefined;

  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activities[scheduled] = (activities[scheduled] ?? 0) + 1;
    forEachPayload(event, (size) => {
      payloadBytes += size;
      payloadCount += 1;
      if (size > largestPayloadBytes) {
        largestPayloadBytes = size;
        largestPayloadEvent = eventKind(event);
      }
    });
  }
  const steps = activities[stepActivity] ?? 0;
  return {
    events: events.length,
    payloadBytes,
    payloadCount,
    largestPayloadBytes,
    largestPayloadEvent,
    jsonBytes: Buffer.byteLength(historyJsonOf(history)),
    activities,
    steps,
    payloadBytesPerStep: steps > 0 ? Math.round(payloadBytes / steps) : payloadBytes,
  };
}

/** The history in the standard JSON form (what the Temporal CLI and replayers read). */
export function historyJsonOf(history: History): string {
  const first = history.events?.[0] as { eventId?: unknown } | undefined;
  // Already JSON-shaped (ids are strings there): print as is.
  if (typeof first?.eventId === 'string') return JSON.stringify(history);
  return historyToJson(history);
}

/** Calls `visit(bytes)` for every Temporal Payload ({ metadata, data }) nested in `value`. */
function forEachPayload(value: unknown, visit: (bytes: number) => void, depth = 0): void {
  if (depth > 40 || value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) forEachPayload(item, visit, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  if (isPayload(record)) {
    visit(byteLength(record['data']) + metadataBytes(record['metadata']));
    return;
  }
  for (const child of Object.values(record)) forEachPayload(child, visit, depth + 1);
}

function isPayload(record: Record<string, unknown>): boolean {
  const metadata = record['metadata'];
  return (
    'data' in record &&
    metadata !== null &&
    typeof metadata === 'object' &&
    Object.values(metadata).some((v) => v instanceof Uint8Array || typeof v === 'string')
  );
}

function metadataBytes(metadata: unknown): number {
  if (metadata === null || typeof metadata !== 'object') return 0;
  let total = 0;
  for (const [key, value] of Object.entries(metadata)) total += key.length + byteLength(value);
  return total;
}

function byteLength(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  // JSON exports carry bytes as base64.
  if (typeof value === 'string') return Buffer.from(value, 'base64').byteLength;
  return 0;
}

/** e.g. "activityTaskScheduled", from whichever `…EventAttributes` field the event carries. */
function eventKind(event: object): string | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventAttributes') && value) return key.slice(0, -'EventAttributes'.length);
  }
  return undefined;
}
