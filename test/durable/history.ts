// Reading real workflow histories in tests.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { History } from '../../src/temporal/history-json.js';
import { historyJsonOf } from '../../src/temporal/history-metrics.js';
import { resolveTemporalCli } from '../../dev/local-stack/temporal-cli.js';

export { measureHistory, historyJsonOf, type HistoryMetrics } from '../../src/temporal/history-metrics.js';
export type { History };

type HistoryEvent = NonNullable<History['events']>[number];

/** Activity types in the order they were scheduled. */
export function activityTypesOf(history: History): string[] {
  return (history.events ?? [])
    .map((event) => event.activityTaskScheduledEventAttributes?.activityType?.name)
    .filter((name): name is string => typeof name === 'string');
}

/** Activity types run as local activities (their result is a marker in the history), in order. */
export function localActivityTypesOf(history: History): string[] {
  return localActivitiesOf(history).map((activity) => activity.type);
}

/** What the SDK writes about a local activity in its marker (plain JSON, not our payload). */
interface LocalActivityMarkerData {
  activity_type?: string;
  attempt?: number;
  complete_time?: { seconds?: number | string; nanos?: number } | null;
}

/**
 * Every local activity in the history as an ActivityRecord (`local: true`), from its marker: the
 * final outcome only (a local activity's attempts leave no events); `scheduledEventId` and
 * `closedEventId` are the marker's event id.
 */
export function localActivitiesOf(history: History): ActivityRecord[] {
  return (history.events ?? []).flatMap((event): ActivityRecord[] => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.['data']?.payloads?.[0]?.data : undefined;
    if (!marker || !data) return [];
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as LocalActivityMarkerData;
    if (!parsed.activity_type) return [];
    const id = num(event.eventId);
    const done = parsed.complete_time;
    const closedAt = done ? num(done.seconds) * 1000 + Math.floor((done.nanos ?? 0) / 1e6) : eventTimeMs(event);
    return [
      {
        type: parsed.activity_type,
        scheduledEventId: id,
        scheduledAt: eventTimeMs(event),
        attempt: parsed.attempt,
        startedAt: undefined,
        closedAt,
        closedEventId: id,
        outcome: marker.failure ? 'failed' : 'completed',
        failure: marker.failure?.message ?? undefined,
        local: true,
      },
    ];
  });
}

/** Every step of the turn, activities and local activities alike, in the order the history holds them. */
export function stepsOf(history: History): ActivityRecord[] {
  return [...activitiesOf(history), ...localActivitiesOf(history)].sort((a, b) => a.scheduledEventId - b.scheduledEventId);
}

/** The history as `temporal workflow show --output json` would export it. */
export function historyJson(history: History): string {
  return historyJsonOf(history);
}

/** The history as the Temporal CLI itself exports it (`temporal workflow show --output json`). */
export async function historyJsonViaCli(workflowId: string, server: { address: string; namespace: string }): Promise<string> {
  const { stdout } = await promisify(execFile)(
    resolveTemporalCli(),
    ['workflow', 'show', '--workflow-id', workflowId, '--address', server.address, '--namespace', server.namespace, '--output', 'json'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

export type ActivityOutcome = 'completed' | 'failed' | 'timedOut' | 'canceled' | 'open';

/** One scheduled activity, put together from its scheduled / started / closed events. */
export interface ActivityRecord {
  type: string;
  scheduledEventId: number;
  scheduledAt: number;
  /** The attempt that closed it (Temporal writes only the last attempt's start). */
  attempt: number | undefined;
  startedAt: number | undefined;
  closedAt: number | undefined;
  /** Event id of the closing event, for ordering within one history. */
  closedEventId: number | undefined;
  outcome: ActivityOutcome;
  /** The failure message, when it failed. */
  failure: string | undefined;
  /** Run as a local activity (see localActivitiesOf). */
  local?: boolean;
}

/** Every activity in the history, in scheduling order. */
export function activitiesOf(history: History): ActivityRecord[] {
  const byScheduledId = new Map<number, ActivityRecord>();
  for (const event of history.events ?? []) {
    const id = num(event.eventId);
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      byScheduledId.set(id, {
        type: scheduled.activityType?.name ?? '?',
        scheduledEventId: id,
        scheduledAt: eventTimeMs(event),
        attempt: undefined,
        startedAt: undefined,
        closedAt: undefined,
        closedEventId: undefined,
        outcome: 'open',
        failure: undefined,
      });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const record = byScheduledId.get(num(started.scheduledEventId));
      if (record) {
        record.attempt = started.attempt ?? undefined;
        record.startedAt = eventTimeMs(event);
      }
      continue;
    }
    const closing: [ActivityOutcome, { scheduledEventId?: unknown; failure?: { message?: string | null } | null } | null | undefined][] = [
      ['completed', event.activityTaskCompletedEventAttributes],
      ['failed', event.activityTaskFailedEventAttributes],
      ['timedOut', event.activityTaskTimedOutEventAttributes],
      ['canceled', event.activityTaskCanceledEventAttributes],
    ];
    for (const [outcome, attrs] of closing) {
      if (!attrs) continue;
      const record = byScheduledId.get(num(attrs.scheduledEventId));
      if (!record) continue;
      record.outcome = outcome;
      record.closedAt = eventTimeMs(event);
      record.closedEventId = id;
      record.failure = attrs.failure?.message ?? undefined;
    }
  }
  return [...byScheduledId.values()];
}

/** Milliseconds since the epoch of an event's time. */
export function eventTimeMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (!time) return 0;
  return num(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  return Number(String(value));
}

/**
 * A history export (JSON text) plus every payload in it decoded: payload data is base64 in
 * JSON, so a plain `includes(secret)` on the export alone would miss a secret inside one.
 */
export function searchableHistoryText(json: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (typeof record['data'] === 'string' && 'metadata' in record) {
      decoded.push(Buffer.from(record['data'], 'base64').toString('utf8'));
    }
    Object.values(record).forEach(walk);
  };
  walk(JSON.parse(json));
  return [json, ...decoded].join('\n');
}
