// The bounce: two worker processes, one slow tool call, and the worker running it killed
// mid-command. Temporal notices (heartbeat timeout after SIGKILL, or at once after a graceful
// SIGTERM), hands the activity to the survivor, and the turn finishes with the right answer.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { ActivityTracker, type ActivityEvent, type ActivityRecord } from './activity-tracker.js';
import { countRecordedTurn } from './session-log.js';
import { startDurabilityRig, type DurabilityRig, type DurabilityRigOptions } from './durability-rig.js';

export type BounceSignal = 'SIGKILL' | 'SIGTERM';

export interface BounceOptions {
  signal?: BounceSignal;
  /** Seconds the demo command sleeps (default 20). */
  sleepSeconds?: number;
  /** executeTool heartbeat timeout for this turn: how fast a dead worker is noticed (default 5s). */
  heartbeatTimeout?: string;
  /** How long the tool runs before the kill, ms (default 2000). */
  killAfterMs?: number;
  /** Reuse this Temporal (default: $TEMPORAL_ADDRESS, else a dev server is started). */
  temporalAddress?: string;
  /** Worker shutdown grace (SIGTERM path; default 2s so the hand-back is quick to watch). */
  shutdownGrace?: string;
  model?: string;
  /** Keep the temp workspace (its path is printed). */
  keepWorkspace?: boolean;
  /** Timeline lines. */
  log?: (line: string) => void;
  /** Rig overrides (tests). */
  rig?: Partial<DurabilityRigOptions>;
  /** Give up after this long (default 180 s). */
  timeoutMs?: number;
}

export interface BounceResult {
  killedWorker: string;
  resumedOn: string;
  signal: 'KILL' | 'TERM';
  /** From the kill to the interrupted activity starting again on the survivor. */
  killToResumeSeconds: number;
  /** From the workflow start to its result. */
  turnSeconds: number;
  finalContent: string;
  ok: boolean;
}

export class BounceError extends Error {
  override readonly name = 'BounceError';
}

const WORKERS = ['worker-a', 'worker-b'] as const;
const POLL_MS = 200;

export function bounceMessage(sleepSeconds: number): string {
  return `Run the command 'sleep ${sleepSeconds} && echo task complete'`;
}

/** True when the answer carries the command's real output, not just the command's text. */
export function answerHasRealOutput(content: string): boolean {
  return /(^|:\s)task complete\s*$/m.test(content) && /Exit code: 0/.test(content);
}

export async function runBounce(opts: BounceOptions = {}): Promise<BounceResult> {
  const log = opts.log ?? (() => undefined);
  const signal = opts.signal ?? 'SIGKILL';
  const sleepSeconds = opts.sleepSeconds ?? 20;
  const heartbeatTimeout = opts.heartbeatTimeout ?? '5s';
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);

  log(`Bounce: ${signal} the worker running a tool; the turn must finish on the other worker.`);
  const rig = await startDurabilityRig({
    temporalAddress: opts.temporalAddress ?? process.env['TEMPORAL_ADDRESS'],
    model: opts.model,
    shutdownGrace: opts.shutdownGrace ?? '2s',
    progress: (line) => log(`  ${line}`),
    ...opts.rig,
  });
  try {
    log(`  Starting ${WORKERS.join(' and ')} (separate processes, shared workspace ${rig.workspace})…`);
    const started = await Promise.all(WORKERS.map((identity) => rig.fleet.start(identity)));
    log(`  Workers ready: ${started.map((w) => `${w.identity} (pid ${w.pid})`).join(', ')}`);
    return await bounceOnRig(rig, { signal, sleepSeconds, heartbeatTimeout, killAfterMs: opts.killAfterMs ?? 2000, deadline, log });
  } finally {
    await rig.close({ keepWorkspace: opts.keepWorkspace });
    if (opts.keepWorkspace) log(`Workspace kept: ${rig.workspace}`);
  }
}

interface BounceRun {
  signal: BounceSignal;
  sleepSeconds: number;
  heartbeatTimeout: string;
  killAfterMs: number;
  deadline: number;
  log: (line: string) => void;
}

async function bounceOnRig(rig: DurabilityRig, run: BounceRun): Promise<BounceResult> {
  const { log } = run;
  const sessionId = `bounce-${randomUUID().slice(0, 8)}`;
  const message = bounceMessage(run.sleepSeconds);
  const t0 = Date.now();
  const at = (ms: number): string => `t+${((ms - t0) / 1000).toFixed(1).padStart(5)}s`;
  const handle = await rig.startTurn(
    { sessionId, message, activityOptions: { executeTool: { heartbeatTimeout: run.heartbeatTimeout } } },
    sessionId,
  );
  log(`${at(t0)}  turn started: workflow ${handle.workflowId}, message "${message}"`);
  const resultPromise = handle.result() as Promise<TurnWorkflowResult>;
  resultPromise.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile

  const tracker = new ActivityTracker(handle);
  // Filled in at the kill; the timeline marks the moment the killed activity starts again.
  const kill: { atMs: number; activity?: ActivityRecord } = { atMs: 0 };
  const show = (event: ActivityEvent): void => {
    log(`${at(event.atMs)}  ${describeEvent(event)}`);
    if (event.kind === 'started' && event.activity === kill.activity && event.attempt > 1) {
      log(`           ↳ the interrupted tool call resumed on ${event.identity}, ${((event.atMs - kill.atMs) / 1000).toFixed(1)}s after the kill`);
    }
  };

  // 1. Find the worker running the tool.
  const victim = await pollUntil(tracker, show, run.deadline, () => {
    const tool = [...tracker.activities.values()].find((a) => a.type === 'executeTool' && !a.outcome && a.attempts.size > 0);
    const attempt = tool ? Math.max(...tool.attempts.keys()) : 0;
    return tool ? { tool, identity: tool.attempts.get(attempt)?.identity ?? '' } : undefined;
  });
  const survivor = WORKERS.find((w) => w !== victim.identity);
  if (!survivor || !rig.fleet.get(victim.identity)) {
    throw new BounceError(`the tool ran on "${victim.identity}", which is not one of this demo's workers`);
  }
  await sleep(run.killAfterMs);

  // 2. Kill it.
  const pid = rig.fleet.get(victim.identity)?.pid;
  kill.activity = victim.tool;
  const killedAt = Date.now();
  kill.atMs = killedAt;
  const exit = rig.fleet.kill(victim.identity, run.signal);
  log(
    `${at(killedAt)}  ${run.signal} → ${victim.identity} (pid ${pid})` +
      (run.signal === 'SIGKILL'
        ? `: process and its children gone; Temporal notices when heartbeats stop (timeout ${run.heartbeatTimeout})`
        : `: graceful stop; the running tool is cancelled after the shutdown grace and handed back`),
  );
  void exit.then((e) => log(`${at(Date.now())}  ${victim.identity} exited (${e.signal ?? `code ${e.code}`})`));

  // 3. Wait for the same activity to start again on the survivor.
  const resumed = await pollUntil(tracker, show, run.deadline, () => {
    for (const [attempt, start] of victim.tool.attempts) {
      if (attempt > 1 && start.identity === survivor) return start;
    }
    return undefined;
  });
  const killToResumeSeconds = Math.max(0, (resumed.startedMs - killedAt) / 1000);

  // 4. Follow the turn to its end.
  let outcome: TurnWorkflowResult | undefined;
  let failure: unknown;
  void resultPromise.then(
    (r) => (outcome = r),
    (e: unknown) => (failure = e),
  );
  await pollUntil(tracker, show, run.deadline, () => (outcome || failure ? true : undefined));
  const doneAt = Date.now();
  if (failure) throw new BounceError(`the turn failed: ${(failure as Error).message}`);
  const finalContent = outcome?.finalContent ?? '';
  const turnSeconds = (doneAt - t0) / 1000;
  log(`${at(doneAt)}  turn completed in ${turnSeconds.toFixed(1)}s. Answer:`);
  for (const line of finalContent.split('\n')) log(`           ${line}`);

  const recorded = countRecordedTurn(rig.stateDir, message);
  log(`  Session log: the turn's user message is recorded ${recorded} time(s) (expected 1).`);
  const ok = answerHasRealOutput(finalContent) && recorded === 1 && victim.identity !== survivor;
  log(ok ? 'OK: the turn survived losing its worker mid-command.' : 'NOT OK: see the timeline above.');
  return {
    killedWorker: victim.identity,
    resumedOn: survivor,
    signal: run.signal === 'SIGKILL' ? 'KILL' : 'TERM',
    killToResumeSeconds: round(killToResumeSeconds),
    turnSeconds: round(turnSeconds),
    finalContent,
    ok,
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Polls until `check` returns something, printing activity events as they appear. */
async function pollUntil<T>(
  tracker: ActivityTracker,
  show: (event: ActivityEvent) => void,
  deadline: number,
  check: () => T | undefined,
): Promise<T> {
  for (;;) {
    const { events, closed } = await tracker.poll();
    for (const event of events) show(event);
    const found = check();
    if (found !== undefined) return found;
    if (closed) {
      // One more look: the last events may have landed with the close.
      const final = await tracker.poll();
      for (const event of final.events) show(event);
      const late = check();
      if (late !== undefined) return late;
      throw new BounceError('the workflow closed before the bounce could observe the kill and the resume');
    }
    if (Date.now() > deadline) throw new BounceError('timed out waiting for the turn (see the timeline above)');
    await sleep(POLL_MS);
  }
}

function label(activity: ActivityRecord): string {
  return activity.detail ? `${activity.type} (${activity.detail})` : activity.type;
}

function describeEvent(event: ActivityEvent): string {
  const a = event.activity;
  switch (event.kind) {
    case 'started':
      return `${label(a)} attempt ${event.attempt} started on ${event.identity}`;
    case 'retry-scheduled':
      return `${a.type} attempt ${event.attempt} scheduled: ${event.reason}`;
    case 'finished': {
      const o = a.outcome;
      const text = (o?.preview ?? '').replace(/\s+/g, ' ').trim();
      const preview = text ? `: ${text.length > 110 ? `${text.slice(0, 107)}...` : text}` : '';
      return `${a.type} ${o?.kind ?? 'finished'}${o?.identity ? ` on ${o.identity}` : ''}${preview}`;
    }
  }
}
