// Watches one workflow's activities from the outside, the way an operator would: running
// attempts from `describe` (pending activities: attempt, last worker identity) and finished
// ones from the event history. Turns both into a stream of events for timelines and tests.
// Local activities (run inside a workflow task) show up only once done, from their marker.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

export interface ActivityRecord {
  /** Temporal's activity id within the workflow (unique per scheduled activity). */
  activityId: string;
  type: string;
  /** For executeTool: the tool and its command (or other arguments), when known. */
  detail?: string;
  /** Every attempt seen starting: attempt number → worker identity and start time (ms since epoch). */
  attempts: Map<number, { identity: string; startedMs: number }>;
  /** Set once the activity finished for good. */
  outcome?: { kind: 'completed' | 'failed' | 'timedOut' | 'cancelled'; atMs: number; identity?: string; preview?: string };
  /** The failure that made Temporal schedule another attempt (e.g. "activity Heartbeat timeout"). */
  lastRetryReason?: string;
  /** Ran as a local activity: known from its marker once done (its attempts leave no events). */
  local?: boolean;
}

export type ActivityEvent =
  | { kind: 'started'; activity: ActivityRecord; attempt: number; identity: string; atMs: number }
  | { kind: 'retry-scheduled'; activity: ActivityRecord; attempt: number; reason: string; atMs: number }
  | { kind: 'finished'; activity: ActivityRecord; atMs: number };

type Json = Record<string, unknown>;

/** Milliseconds from a protobuf Timestamp ({ seconds: Long|number|string, nanos }). */
export function timestampMs(ts: unknown): number | undefined {
  if (!ts || typeof ts !== 'object') return undefined;
  const { seconds, nanos } = ts as { seconds?: unknown; nanos?: unknown };
  if (seconds === undefined || seconds === null) return undefined;
  const secs =
    typeof seconds === 'object' && 'toNumber' in (seconds as object)
      ? (seconds as { toNumber(): number }).toNumber()
      : Number(seconds);
  return secs * 1000 + Math.floor(Number(nanos ?? 0) / 1e6);
}

function decodeFirst(payloads: unknown): unknown {
  const list = (payloads as { payloads?: unknown[] } | undefined)?.payloads;
  if (!list?.[0]) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(list[0] as Parameters<typeof defaultPayloadConverter.fromPayload>[0]);
  } catch {
    return undefined;
  }
}

function describeInput(type: string, input: unknown): string | undefined {
  if (type !== 'executeTool' || !input || typeof input !== 'object') return undefined;
  const call = (input as { call?: { name?: string; arguments?: Record<string, unknown> } }).call;
  if (!call?.name) return undefined;
  const command = call.arguments?.['command'];
  return typeof command === 'string' ? `${call.name}: ${command}` : call.name;
}

function previewOf(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') return undefined;
  const preview = (result as { preview?: unknown }).preview;
  if (typeof preview === 'string') return preview;
  const content = (result as { response?: { content?: unknown } }).response?.content;
  return typeof content === 'string' ? content : undefined;
}

const STARTED_STATES = new Set<unknown>([2, 'PENDING_ACTIVITY_STATE_STARTED', 'STARTED']);
const SCHEDULED_STATES = new Set<unknown>([1, 'PENDING_ACTIVITY_STATE_SCHEDULED', 'SCHEDULED']);

/** Polls a workflow's activities; `poll()` returns what changed since the last call. */
export class ActivityTracker {
  readonly activities = new Map<string, ActivityRecord>();
  private readonly byScheduledEvent = new Map<string, ActivityRecord>();
  private readonly retriesSeen = new Set<string>();
  /** The worker that completed the latest workflow task (a local activity ran in that task). */
  private lastTaskIdentity = '';

  constructor(private readonly handle: WorkflowHandle) {}

  /** One look at describe + history. Events come in the order they happened, as far as can be told. */
  async poll(): Promise<{ events: ActivityEvent[]; closed: boolean }> {
    const events: ActivityEvent[] = [];
    const history = await this.handle.fetchHistory();
    for (const event of (history.events ?? []) as Json[]) this.applyHistoryEvent(event, events);
    const description = await this.handle.describe();
    const closed = description.status.name !== 'RUNNING';
    for (const pending of (description.raw.pendingActivities ?? []) as Json[]) this.applyPending(pending, events);
    events.sort((a, b) => a.atMs - b.atMs);
    return { events, closed };
  }

  private record(activityId: string, type: string): ActivityRecord {
    let record = this.activities.get(activityId);
    if (!record) {
      record = { activityId, type, attempts: new Map() };
      this.activities.set(activityId, record);
    }
    return record;
  }

  private noteStart(record: ActivityRecord, attempt: number, identity: string, atMs: number, events: ActivityEvent[]): void {
    if (!identity || record.attempts.has(attempt)) return;
    record.attempts.set(attempt, { identity, startedMs: atMs });
    events.push({ kind: 'started', activity: record, attempt, identity, atMs });
  }

  private applyHistoryEvent(event: Json, events: ActivityEvent[]): void {
    const eventId = String(event['eventId'] ?? '');
    const atMs = timestampMs(event['eventTime']) ?? Date.now();
    const scheduled = event['activityTaskScheduledEventAttributes'] as Json | undefined;
    if (scheduled) {
      const type = String((scheduled['activityType'] as Json | undefined)?.['name'] ?? '');
      const record = this.record(String(scheduled['activityId']), type);
      record.detail ??= describeInput(type, decodeFirst(scheduled['input']));
      this.byScheduledEvent.set(eventId, record);
      return;
    }
    const taskDone = event['workflowTaskCompletedEventAttributes'] as Json | undefined;
    if (taskDone) {
      this.lastTaskIdentity = String(taskDone['identity'] ?? '');
      return;
    }
    const marker = event['markerRecordedEventAttributes'] as Json | undefined;
    if (marker?.['markerName'] === 'core_local_activity') {
      this.applyLocalActivityMarker(marker, atMs, events);
      return;
    }
    const started = event['activityTaskStartedEventAttributes'] as Json | undefined;
    if (started) {
      const record = this.byScheduledEvent.get(String(started['scheduledEventId']));
      if (record) this.noteStart(record, Number(started['attempt'] ?? 1), String(started['identity'] ?? ''), atMs, events);
      return;
    }
    const finishes: [string, NonNullable<ActivityRecord['outcome']>['kind']][] = [
      ['activityTaskCompletedEventAttributes', 'completed'],
      ['activityTaskFailedEventAttributes', 'failed'],
      ['activityTaskTimedOutEventAttributes', 'timedOut'],
      ['activityTaskCanceledEventAttributes', 'cancelled'],
    ];
    for (const [key, kind] of finishes) {
      const attrs = event[key] as Json | undefined;
      if (!attrs) continue;
      const record = this.byScheduledEvent.get(String(attrs['scheduledEventId']));
      if (!record || record.outcome) return;
      const failure = attrs['failure'] as Json | undefined;
      record.outcome = {
        kind,
        atMs,
        identity: typeof attrs['identity'] === 'string' ? attrs['identity'] : undefined,
        preview: kind === 'completed' ? previewOf(decodeFirst(attrs['result'])) : (failure?.['message'] as string | undefined),
      };
      events.push({ kind: 'finished', activity: record, atMs });
      return;
    }
  }

  /** A local activity's marker: its type, last attempt and result or failure, written by the worker that ran it. */
  private applyLocalActivityMarker(marker: Json, atMs: number, events: ActivityEvent[]): void {
    const details = marker['details'] as Record<string, unknown> | undefined;
    const data = decodeFirst(details?.['data']) as
      | { activity_id?: string; activity_type?: string; attempt?: number; original_schedule_time?: unknown }
      | undefined;
    if (!data?.activity_type || data.activity_id === undefined) return;
    const record = this.record(String(data.activity_id), data.activity_type);
    if (record.outcome) return;
    record.local = true;
    const identity = this.lastTaskIdentity;
    this.noteStart(record, Number(data.attempt ?? 1), identity, timestampMs(data.original_schedule_time) ?? atMs, events);
    const failure = marker['failure'] as Json | undefined;
    record.outcome = failure
      ? { kind: 'failed', atMs, identity, preview: failure['message'] as string | undefined }
      : { kind: 'completed', atMs, identity, preview: previewOf(decodeFirst(details?.['result'])) };
    events.push({ kind: 'finished', activity: record, atMs });
  }

  private applyPending(pending: Json, events: ActivityEvent[]): void {
    const type = String((pending['activityType'] as Json | undefined)?.['name'] ?? '');
    const record = this.record(String(pending['activityId']), type);
    const attempt = Number(pending['attempt'] ?? 1);
    const identity = String(pending['lastWorkerIdentity'] ?? '');
    if (STARTED_STATES.has(pending['state'])) {
      this.noteStart(record, attempt, identity, timestampMs(pending['lastStartedTime']) ?? Date.now(), events);
    } else if (SCHEDULED_STATES.has(pending['state']) && attempt > 1) {
      const key = `${record.activityId}#${attempt}`;
      if (this.retriesSeen.has(key)) return;
      this.retriesSeen.add(key);
      const failure = pending['lastFailure'] as Json | undefined;
      record.lastRetryReason = String(failure?.['message'] ?? 'previous attempt failed');
      events.push({ kind: 'retry-scheduled', activity: record, attempt, reason: record.lastRetryReason, atMs: Date.now() });
    }
  }
}
