// Shared pieces of the fault suite: a rig of real worker processes on the shared dev server,
// activity polling, and checks on the session log.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { expect, inject } from 'vitest';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { ActivityTracker, type ActivityRecord } from '../../dev/bounce/activity-tracker.js';
import { startDurabilityRig, type DurabilityRig, type DurabilityRigOptions } from '../../dev/bounce/durability-rig.js';
import { readSessionLog } from '../../dev/bounce/session-log.js';
import { safeSessionId } from '../../src/conversation/session-id.js';
import { waitUntil, within } from '../support/wait.js';

/** Worker processes get an empty HOME, so no personal config file (~/.nanobot) leaks in. */
export function isolatedWorkerEnv(): Record<string, string> {
  return { HOME: mkdtempSync(join(tmpdir(), 'exoclaw-fault-home-')), EXOCLAW_LOG_LEVEL: 'warn' };
}

/** A rig on the suite's shared dev server with the bundle global-setup built. */
export function startSharedRig(opts: Partial<DurabilityRigOptions> = {}): Promise<DurabilityRig> {
  return startDurabilityRig({
    temporalAddress: inject('temporalAddress'),
    workflowBundlePath: inject('workflowBundlePath'),
    workerEnv: isolatedWorkerEnv(),
    ...opts,
  });
}

/** Starts the named workers that are not running (after a kill, a fresh process takes the name). */
export async function ensureWorkers(rig: DurabilityRig, identities: string[]): Promise<void> {
  await Promise.all(identities.filter((id) => !rig.fleet.get(id)?.alive()).map((id) => rig.fleet.start(id)));
}

/** Polls the tracker until `check` finds something; a timeout lists the activities seen so far. */
export function waitForActivity<T>(tracker: ActivityTracker, what: string, check: () => T | undefined, timeoutMs: number): Promise<NonNullable<T>> {
  return waitUntil(
    what,
    async () => {
      await tracker.poll();
      return check();
    },
    { timeoutMs, intervalMs: 150, detail: () => `activities: ${summary(tracker)}` },
  ) as Promise<NonNullable<T>>;
}

export function summary(tracker: ActivityTracker): string {
  return [...tracker.activities.values()]
    .map((a) => `${a.type}[${[...a.attempts].map(([n, s]) => `${n}@${s.identity}`).join(',')}]${a.outcome ? `=${a.outcome.kind}` : ''}`)
    .join(' ');
}

/** The first running (started, unfinished) activity of a type, and the worker running it. */
export function running(tracker: ActivityTracker, type: string): { activity: ActivityRecord; identity: string } | undefined {
  for (const activity of tracker.activities.values()) {
    if (activity.type !== type || activity.outcome || activity.attempts.size === 0) continue;
    const attempt = Math.max(...activity.attempts.keys());
    return { activity, identity: activity.attempts.get(attempt)?.identity ?? '' };
  }
  return undefined;
}

/** A later attempt of `activity` that started on a worker other than `killed`. */
export function resumedElsewhere(activity: ActivityRecord, killed: string): { identity: string; startedMs: number } | undefined {
  for (const [attempt, start] of activity.attempts) if (attempt > 1 && start.identity !== killed) return start;
  return undefined;
}

export function result(handle: WorkflowHandle, timeoutMs: number): Promise<TurnWorkflowResult> {
  return within(handle.result() as Promise<TurnWorkflowResult>, `turn ${handle.workflowId} to finish`, { timeoutMs });
}

/**
 * Exactly-once recording: the turn's user message once, every tool call answered by exactly one
 * tool message, every assistant tool call id unique, and no torn (unparseable) line.
 */
export function expectRecordedOnce(stateDir: string, sessionId: string, message: string): ReturnType<typeof readSessionLog>['messages'] {
  const log = readSessionLog(stateDir);
  expect(log.invalidLines, 'torn lines in the session log').toBe(0);
  const turn = log.messages.filter((m) => m.file === `${safeSessionId(sessionId)}.jsonl`);
  expect(turn.filter((m) => m.role === 'user' && m.text.includes(message))).toHaveLength(1);
  const callIds = turn.flatMap((m) => m.toolCalls.map((c) => c.id));
  expect(new Set(callIds).size, 'tool call ids are unique').toBe(callIds.length);
  for (const id of callIds) {
    expect(turn.filter((m) => m.role === 'tool' && m.toolCallId === id), `tool result for ${id}`).toHaveLength(1);
  }
  expect(turn.filter((m) => m.role === 'assistant' && m.toolCalls.length === 0).length, 'one final answer').toBe(1);
  return turn;
}
