// Metric 3: turns per second through one worker at several concurrency levels, with simple
// one-model-call turns on distinct sessions (no session waits for another).
import type { ExoclawClient } from '../../src/temporal/client.js';
import { benchTurnMessage } from './bench-script.js';
import { runLanes } from './lanes.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { ownCpuMs, processCpuMs, rssMiB } from './process-cpu.js';
import { percentile, round, timed } from './stats.js';

/** One one-model-call turn on its own session; resolves to its latency in ms. */
export async function oneCallTurn(ctx: PhaseContext, sessionId: string, exoclaw: ExoclawClient = ctx.stack.exoclaw): Promise<number> {
  ctx.signal.throwIfAborted();
  const { ms, value } = await timed(() => exoclaw.runTurn({ sessionId, message: benchTurnMessage(0) }));
  if (value.iterations !== 1) throw new BenchSanityError(`A 1-step turn took ${value.iterations} model calls.`);
  return ms;
}

/**
 * `total` one-call turns, `concurrency` at a time, on sessions `<prefix>-<index>`; returns the
 * latencies. `afterTurn(done)` runs after each finished turn (the soak samples memory there).
 * `exoclaw`: a client of another task queue (worker processes); default the bench's own worker.
 */
export async function runTurnLanes(
  ctx: PhaseContext,
  prefix: string,
  total: number,
  concurrency: number,
  afterTurn: (done: number) => void = () => undefined,
  exoclaw: ExoclawClient = ctx.stack.exoclaw,
): Promise<number[]> {
  return runLanes({ total, concurrency, signal: ctx.signal, afterJob: afterTurn }, (index) =>
    oneCallTurn(ctx, `${prefix}-${index}`, exoclaw),
  );
}

export async function measureThroughput(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  progress('throughput: warm-up turn');
  await oneCallTurn(ctx, `bench-${ctx.runId}-tput-warmup`);
  for (const [level, concurrency] of opts.concurrency.entries()) {
    const total = opts.turns[level] ?? 0;
    progress(`throughput: ${total} turns at concurrency ${concurrency}`);
    const cpuBefore = ownCpuMs();
    const serverCpuBefore = processCpuMs(stack.temporal.pid);
    const { ms: wallMs, value: latencies } = await timed(() =>
      runTurnLanes(ctx, `bench-${ctx.runId}-tput-c${concurrency}`, total, concurrency),
    );
    const cpuMs = ownCpuMs() - cpuBefore;
    const serverCpuAfter = processCpuMs(stack.temporal.pid);
    emit({
      metric: 'turns_per_second',
      value: round(total / (wallMs / 1000)),
      unit: 'turns/s',
      context: {
        concurrency,
        turns: total,
        p50_ms: round(percentile(latencies, 50), 1),
        p95_ms: round(percentile(latencies, 95), 1),
        wall_ms: round(wallMs, 0),
      },
    });
    // The bench process holds the worker, the client and the scripted model; the model answers
    // from a table, so its share is small (docs/benchmark.md says how it was checked).
    emit({
      metric: 'worker_cpu_per_turn',
      value: round(cpuMs / total, 1),
      unit: 'ms/turn',
      context: {
        concurrency,
        turns: total,
        process_cpu_ms: round(cpuMs, 0),
        ...(serverCpuBefore !== undefined && serverCpuAfter !== undefined
          ? { server_cpu_ms_per_turn: round((serverCpuAfter - serverCpuBefore) / total, 1) }
          : {}),
        rss_mib: round(rssMiB(), 0),
      },
    });
  }
}
