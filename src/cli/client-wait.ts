// How `turn` and `send` wait: with feedback on stderr, an optional --timeout, and Ctrl-C that
// leaves the work running and says how to follow or cancel it.
import { setMaxListeners } from 'node:events';
import type { Client } from '@temporalio/client';
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../temporal/connection.js';
import { WaitWatcher, type WaitState } from '../temporal/wait-watcher.js';
import { findWebUi, workflowUrl } from '../temporal/web-ui.js';
import { onShutdownSignals } from './shutdown-signals.js';

/** Exit code when --timeout ran out: the work goes on without the client. */
export const EXIT_TIMED_OUT = 3;
/** Exit code after Ctrl-C (SIGINT) or SIGTERM: 128 + SIGINT, as shells report it. */
export const EXIT_INTERRUPTED = 130;

export type WaitOutcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'timed-out'; afterMs: number }
  | { kind: 'interrupted'; signal: NodeJS.Signals };

export interface ClientWaitTarget {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  workflowId: string;
}

/**
 * Runs `call` (the client's wait: a workflow result, an update) while a watcher reports on
 * stderr what it waits for. Gives up (without cancelling the workflow) when `timeoutMs` passes or
 * on SIGINT/SIGTERM; a rejection of the call is rethrown. `state` in the result says what the workflow was doing last.
 */
export async function waitWithFeedback<T>(
  call: () => Promise<T>,
  target: ClientWaitTarget,
  opts: { timeoutMs?: number; report?: (line: string) => void } = {},
): Promise<{ outcome: WaitOutcome<T>; state: WaitState }> {
  // Giving up aborts the client's own calls (a long poll would keep the process alive), never the workflow.
  const abort = new AbortController();
  // The SDK adds one listener per call (a long wait makes many) and never removes them.
  setMaxListeners(0, abort.signal);
  const work = target.client.withAbortSignal(abort.signal, call);
  // Whatever happens to `work` after we stop waiting is not ours to report.
  work.catch(() => undefined);
  const watcher = new WaitWatcher({ ...target, report: opts.report ?? ((line) => console.error(line)) });
  watcher.start();
  let timer: NodeJS.Timeout | undefined;
  let removeSignals = (): void => undefined;
  const gaveUp = new Promise<WaitOutcome<T>>((resolve) => {
    if (opts.timeoutMs !== undefined) {
      const afterMs = opts.timeoutMs;
      timer = setTimeout(() => resolve({ kind: 'timed-out', afterMs }), afterMs);
    }
    removeSignals = onShutdownSignals((signal) => resolve({ kind: 'interrupted', signal }), { onForce: () => undefined });
  });
  try {
    const outcome = await Promise.race([work.then((value): WaitOutcome<T> => ({ kind: 'done', value })), gaveUp]);
    if (outcome.kind !== 'done') await watcher.check().catch(() => undefined);
    return { outcome, state: watcher.state() };
  } finally {
    abort.abort();
    watcher.stop();
    if (timer) clearTimeout(timer);
    removeSignals();
  }
}

/** The exit code for a wait that ended without the result. */
export function exitCodeOf(outcome: WaitOutcome<unknown>): number {
  return outcome.kind === 'timed-out' ? EXIT_TIMED_OUT : outcome.kind === 'interrupted' ? EXIT_INTERRUPTED : 0;
}

/** "Stopped waiting after 30s (--timeout)" / "Stopped waiting (SIGINT)". */
export function whyStopped(outcome: Exclude<WaitOutcome<unknown>, { kind: 'done' }>): string {
  return outcome.kind === 'timed-out' ? `Stopped waiting after ${formatMs(outcome.afterMs)} (--timeout)` : `Stopped waiting (${outcome.signal})`;
}

/**
 * What a person needs after giving up on a wait: what still runs, and the commands (and Web UI
 * link, when one is known) to follow or cancel it.
 */
export async function stillRunningMessage(
  why: string,
  state: WaitState,
  target: Omit<ClientWaitTarget, 'client'> & { what: string; follow?: string; extra?: string[] },
): Promise<string> {
  const doing = state.noWorker
    ? `waiting for a worker on task queue "${target.taskQueue}"`
    : (state.activity ?? 'running');
  const temporalFlags = [`--workflow-id ${target.workflowId}`];
  if (target.namespace !== DEFAULT_NAMESPACE) temporalFlags.push(`--namespace ${target.namespace}`);
  if (target.address !== DEFAULT_TEMPORAL_ADDRESS) temporalFlags.push(`--address ${target.address}`);
  const flags = temporalFlags.join(' ');
  const link = workflowUrl(await findWebUi(target.address), target.namespace, target.workflowId);
  return [
    `${why}; ${target.what} goes on without this client (workflow ${target.workflowId}: ${doing}).`,
    `  follow it:  ${target.follow ?? `temporal workflow result ${flags}`}`,
    ...(link ? [`  Web UI:     ${link}`] : []),
    ...(target.extra ?? []),
    `  cancel it:  temporal workflow cancel ${flags}`,
  ].join('\n');
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
  return `${Math.round(seconds / 60)}m`;
}

/** The connection flags a follow-up exoclaw-temporal command needs to reach the same place. */
export function clientFlags(target: { address: string; namespace: string; taskQueue: string }): string {
  const flags: string[] = [];
  if (target.address !== DEFAULT_TEMPORAL_ADDRESS) flags.push(`--temporal-url ${target.address}`);
  if (target.namespace !== DEFAULT_NAMESPACE) flags.push(`--namespace ${target.namespace}`);
  if (target.taskQueue !== DEFAULT_TASK_QUEUE) flags.push(`--task-queue ${target.taskQueue}`);
  return flags.map((flag) => ` ${flag}`).join('');
}
