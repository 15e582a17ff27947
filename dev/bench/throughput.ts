// Metric 3: turns per second through one worker at several concurrency levels, with simple
// one-model-call turns on distinct sessions (no session waits for another).
import { benchTurnMessage } from './bench-script.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { ownCpuMs, processCpuMs, rssMiB } from './process-cpu.js';
import { percentile, round, timed } from './stats.js';

export async function measureThroughput(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const message = benchTurnMessage(0);
  const turn = async (sessionId: string): Promise<number> => {
    ctx.signal.throwIfAborted();
    const { ms, value } = await timed(() => stack.exoclaw.runTurn({ sessionId, message }));
    if (value.iterations !== 1) throw new BenchSanityError(`A 1-step turn took ${value.iterations} model calls.`);
    return ms;
  };

  progress('throughput: warm-up turn');
  await turn(`bench-${ctx.runId}-tput-warmup`);
  for (const [level, concurrency] of opts.concurrency.entries()) {
    const total = opts.turns[level] ?? 0;
    progress(`throughput: ${total} turns at concurrency ${concurrency}`);
    const latencies: number[] = [];
    let next = 0;
    let failed = false;
    const lane = async (): Promise<void> => {
      while (next < total && !failed) {
        const index = next++;
        try {
          latencies.push(await turn(`bench-${ctx.runId}-tput-c${concurrency}-${index}`));
        } catch (error) {
          failed = true; // the other lanes finish their turn in flight and stop
          throw error;
        }
      }
    };
    const cpuBefore = ownCpuMs();
    const serverCpuBefore = processCpuMs(stack.temporal.pid);
    const { ms: wallMs } = await timed(() => settleAll(Array.from({ length: Math.min(concurrency, total) }, lane)));
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

/** Like Promise.all, but waits for every promise before rethrowing the first failure. */
async function settleAll(promises: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}
