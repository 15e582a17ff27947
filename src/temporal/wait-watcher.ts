// While a client waits for a workflow, says what it waits for: no worker on the task queue, or
// an activity being retried (which attempt, and why). Polls Temporal; never touches the workflow.
import type { Client } from '@temporalio/client';
// Default import: @temporalio/proto is CommonJS, and Node's ESM loader sees no named exports.
import proto from '@temporalio/proto';
import { DEFAULT_NAMESPACE, DEFAULT_TEMPORAL_ADDRESS } from './connection.js';

const { TaskQueueKind, TaskQueueType, PendingActivityState } = proto.temporal.api.enums.v1;

export interface WaitWatcherOptions {
  client: Client;
  /** Where Temporal is, for the command lines in the hints. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** The workflow whose activities are reported (a turn, or a session). */
  workflowId: string;
  /** Where the lines go (stderr, for a person). */
  report: (line: string) => void;
  /** How long the queue may go without a worker before the hint (default 3 s). */
  noWorkerAfterMs?: number;
  /** Pause between two looks (default 1 s). */
  intervalMs?: number;
}

/** What the watcher saw last, for "still running" messages. */
export interface WaitState {
  /** True once the task queue was seen without a worker for longer than `noWorkerAfterMs`. */
  noWorker: boolean;
  /** e.g. "model call attempt 3 of 10 failed: …" or "running a tool call"; undefined when nothing runs. */
  activity: string | undefined;
}

/**
 * A poller that was heard from within this long counts as a live worker. A worker long-polls
 * (about a minute per poll), and Temporal keeps listing a poller for minutes after it is gone.
 */
const LIVE_POLLER_MS = 2 * 60_000;

/** One look never hangs the watcher (a server going away mid-wait). */
const LOOK_DEADLINE_MS = 5_000;

const ACTIVITY_NAMES: Record<string, string> = {
  llmChat: 'model call',
  executeTool: 'tool call',
  buildPrompt: 'prompt building',
  recordTurn: 'saving the turn',
};

export class WaitWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private queueEmptySince: number | undefined;
  private hinted = false;
  private readonly reported = new Set<string>();
  private current: WaitState = { noWorker: false, activity: undefined };

  constructor(private readonly opts: WaitWatcherOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  state(): WaitState {
    return { ...this.current };
  }

  /** One look now (the loop calls this; tests and callers that want a fresh state may too). */
  async check(): Promise<void> {
    await Promise.all([this.checkWorkers(), this.checkActivities()]);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.check();
      if (!this.running) return;
      await new Promise<void>((resolve) => {
        this.timer = setTimeout(resolve, this.opts.intervalMs ?? 1_000);
      });
    }
  }

  private async checkWorkers(): Promise<void> {
    let workers: string[];
    try {
      workers = await this.pollers();
    } catch {
      return; // a missed look is not worth a message
    }
    const now = Date.now();
    if (workers.length > 0) {
      this.queueEmptySince = undefined;
      this.current.noWorker = false;
      if (this.hinted && this.running) {
        this.hinted = false;
        this.opts.report(`A worker is polling task queue "${this.opts.taskQueue}" now (${workers[0]}); carrying on.`);
      }
      return;
    }
    this.queueEmptySince ??= now;
    if (now - this.queueEmptySince < (this.opts.noWorkerAfterMs ?? 3_000)) return;
    this.current.noWorker = true;
    if (this.hinted || !this.running) return;
    this.hinted = true;
    this.opts.report(noWorkerHint(this.opts));
  }

  /** Identities of the workers polling the workflow task queue recently. */
  private async pollers(): Promise<string[]> {
    const { namespace, taskQueue, client } = this.opts;
    const response = await client.withDeadline(Date.now() + LOOK_DEADLINE_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const now = Date.now();
    return (response.pollers ?? [])
      .filter((poller) => {
        const seen = timestampMs(poller.lastAccessTime);
        return seen === undefined || now - seen < LIVE_POLLER_MS;
      })
      .map((poller) => poller.identity || 'a worker');
  }

  private async checkActivities(): Promise<void> {
    let pending;
    try {
      const { client, workflowId } = this.opts;
      const description = await client.withDeadline(Date.now() + LOOK_DEADLINE_MS, () => client.workflow.getHandle(workflowId).describe());
      pending = description.raw.pendingActivities ?? [];
    } catch {
      return; // not started yet, or a missed look
    }
    const now = Date.now();
    let activity: string | undefined;
    for (const info of pending) {
      const name = ACTIVITY_NAMES[info.activityType?.name ?? ''] ?? info.activityType?.name ?? 'activity';
      const attempt = info.attempt ?? 1;
      const of = info.maximumAttempts ? ` of ${info.maximumAttempts}` : '';
      const failure = oneLine(info.lastFailure?.message ?? '').replace(/\.$/, '');
      if (!failure) {
        activity = info.state === PendingActivityState.PENDING_ACTIVITY_STATE_STARTED ? `running a ${name}` : `a ${name} is waiting for a worker`;
        continue;
      }
      // After a failure Temporal shows the attempt to come (scheduled, then running) with the
      // failure of the one before.
      const scheduled = info.state === PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED;
      const failed = attempt - 1;
      const next = timestampMs(info.nextAttemptScheduleTime);
      const when = scheduled
        ? next !== undefined && next > now
          ? `retrying in ${Math.max(1, Math.round((next - now) / 1000))} s (attempt ${attempt}${of})`
          : `retrying now (attempt ${attempt}${of})`
        : `attempt ${attempt}${of} running`;
      activity = `${name} attempt ${failed} failed: ${failure}; ${when}`;
      const key = `${info.activityId}:${failed}`;
      if (!this.reported.has(key) && this.running) {
        this.reported.add(key);
        this.opts.report(activity);
      }
    }
    this.current.activity = activity;
  }
}

/** "no worker is polling task queue Q on namespace NS — start one with `exoclaw-temporal worker --task-queue Q`". */
export function noWorkerHint(target: { address: string; namespace: string; taskQueue: string }): string {
  return (
    `No worker is polling task queue "${target.taskQueue}" on namespace "${target.namespace}" — start one with ` +
    `\`${workerCommand(target)}\` (or \`npm start\` in a clone). Still waiting; Ctrl-C to stop.`
  );
}

export function workerCommand(target: { address: string; namespace: string; taskQueue: string }): string {
  const flags = [`--task-queue ${target.taskQueue}`];
  if (target.namespace !== DEFAULT_NAMESPACE) flags.push(`--namespace ${target.namespace}`);
  if (target.address !== DEFAULT_TEMPORAL_ADDRESS) flags.push(`--temporal-url ${target.address}`);
  return `exoclaw-temporal worker ${flags.join(' ')}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return undefined;
  const seconds = Number(ts.seconds as number | { toString(): string });
  return Number.isFinite(seconds) ? seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6) : undefined;
}
