// Sessions in one worker process: RSS with N idle AgentSessionWorkflows cached (each has
// answered one message), then the worker is stopped with SIGTERM and a fresh one started, and
// every session answers one more message from a cold cache (each replays its history first).
import { setTimeout as sleep } from 'node:timers/promises';
import { SessionClient } from '../../src/temporal/session-client.js';
import { benchTurnMessage } from './bench-script.js';
import { runLanes } from './lanes.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { processRssMiB } from './process-cpu.js';
import { percentile, round, timed } from './stats.js';
import { startBenchWorkerProcesses } from './worker-processes.js';

/** How long a worker is left alone before its RSS is read (timers, GC and the core settle). */
const SETTLE_MS = 3_000;

export async function measureIdleSessions(ctx: PhaseContext): Promise<void> {
  const { opts, progress, emit } = ctx;
  const total = opts.idleSessions;
  const workers = await startBenchWorkerProcesses(ctx, 'sessions', {
    ...(opts.workerCache === undefined ? {} : { EXOCLAW_MAX_CACHED_WORKFLOWS: String(opts.workerCache) }),
    ...(opts.workerNodeOptions === undefined ? {} : { NODE_OPTIONS: opts.workerNodeOptions }),
  });
  try {
    const sessions = new SessionClient(ctx.stack.client, workers.taskQueue);
    const send = async (index: number): Promise<void> => {
      const reply = await sessions.send(`bench-${ctx.runId}-idle-${index}`, benchTurnMessage(0));
      if (!reply.content) throw new BenchSanityError(`Session ${index} answered without text: ${JSON.stringify(reply)}`);
    };
    const sendAll = (what: string) =>
      runLanes(
        {
          total,
          concurrency: opts.sessionConcurrency,
          signal: ctx.signal,
          onTick: (done) => progress(`sessions: ${done}/${total} ${what}`),
        },
        send,
      );

    progress('sessions: starting a worker process');
    const first = await workers.fleet.start('sessions-a');
    await sleep(SETTLE_MS);
    const rssEmpty = readRss(first.pid);
    // One session first: the workflow thread, its V8 context and the bundle load once per worker,
    // so the per-session figure is measured from here.
    const warmup = await sessions.send(`bench-${ctx.runId}-idle-warmup`, benchTurnMessage(0));
    if (!warmup.content) throw new BenchSanityError('The warm-up session answered without text.');
    await sleep(SETTLE_MS);
    const rssBefore = readRss(first.pid);
    progress(
      `sessions: worker RSS ${round(rssEmpty, 0)} MiB with no session, ${round(rssBefore, 0)} MiB after one; ` +
        `starting ${total} sessions, ${opts.sessionConcurrency} at a time`,
    );
    const { ms: startMs, value: startLatencies } = await timed(() => sendAll('started'));
    progress(`sessions: ${total}/${total} started and answered`);
    await sleep(SETTLE_MS);
    const rssIdle = readRss(first.pid);
    const perSessionKib = ((rssIdle - rssBefore) * 1024) / total;
    emit({
      metric: 'idle_sessions_rss',
      value: round(rssIdle, 0),
      unit: 'MiB',
      context: {
        sessions: total,
        rss_empty_mib: round(rssEmpty, 0),
        rss_before_mib: round(rssBefore, 0),
        per_session_kib: round(perSessionKib, 0),
        max_cached_workflows: opts.workerCache ?? 'default',
        ...(opts.workerNodeOptions === undefined ? {} : { node_options: opts.workerNodeOptions }),
        start_wall_ms: round(startMs, 0),
        start_p50_ms: round(percentile(startLatencies, 50), 1),
        start_p95_ms: round(percentile(startLatencies, 95), 1),
      },
    });

    // SIGTERM: a deploy or a scale-down; the worker hands its sticky queue back, so the next
    // message of each session goes to any worker at once rather than after the sticky timeout.
    progress('sessions: stopping the worker (SIGTERM) and starting a fresh one');
    const { ms: stopMs } = await timed(() => workers.fleet.kill('sessions-a', 'SIGTERM'));
    const { ms: readyMs, value: second } = await timed(() => workers.fleet.start('sessions-b'));
    const { ms: wallMs, value: latencies } = await timed(() => sendAll('answered after the restart'));
    emit({
      metric: 'sessions_restart_answer',
      value: round(wallMs, 0),
      unit: 'ms',
      context: {
        sessions: total,
        concurrency: opts.sessionConcurrency,
        p50_ms: round(percentile(latencies, 50), 1),
        p95_ms: round(percentile(latencies, 95), 1),
        stop: 'SIGTERM',
        stop_ms: round(stopMs, 0),
        new_worker_ready_ms: round(readyMs, 0),
        rss_after_mib: round(readRss(second.pid), 0),
      },
    });
  } finally {
    await workers.close();
  }
}

function readRss(pid: number): number {
  const rss = processRssMiB(pid);
  if (rss === undefined) throw new BenchSanityError(`Cannot read the RSS of worker process ${pid} from /proc (Linux only).`);
  return rss;
}
