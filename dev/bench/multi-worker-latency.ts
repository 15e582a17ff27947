// Turn latency under load with two worker processes on one task queue and one dev server:
// one-model-call turns on distinct sessions, `concurrency` in flight, p50/p95 per level.
import { ExoclawClient } from '../../src/temporal/client.js';
import { oneCallTurn } from './throughput.js';
import { runLanes } from './lanes.js';
import type { PhaseContext } from './phase-context.js';
import { percentile, round, timed } from './stats.js';
import { startBenchWorkerProcesses } from './worker-processes.js';

const WORKERS = 2;

export async function measureMultiWorkerLatency(ctx: PhaseContext): Promise<void> {
  const { opts, progress, emit } = ctx;
  const workers = await startBenchWorkerProcesses(ctx, 'concurrency');
  try {
    progress(`concurrency: starting ${WORKERS} worker processes`);
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => workers.fleet.start(`latency-${i + 1}`)));
    const exoclaw = new ExoclawClient(ctx.stack.client, workers.taskQueue);
    // Both workers load their workflow context before anything is timed.
    await Promise.all(Array.from({ length: WORKERS * 2 }, (_, i) => oneCallTurn(ctx, `bench-${ctx.runId}-lat-warmup-${i}`, exoclaw)));
    for (const [level, concurrency] of opts.latencyConcurrency.entries()) {
      const total = opts.latencyTurns[level] ?? 0;
      progress(`concurrency: ${total} turns at concurrency ${concurrency} on ${WORKERS} workers`);
      const { ms: wallMs, value: latencies } = await timed(() =>
        runLanes(
          { total, concurrency, signal: ctx.signal, onTick: (done) => progress(`concurrency: ${done}/${total} turns at concurrency ${concurrency}`) },
          (index) => oneCallTurn(ctx, `bench-${ctx.runId}-lat-c${concurrency}-${index}`, exoclaw),
        ),
      );
      emit({
        metric: `turn_latency_c${concurrency}`,
        value: round(percentile(latencies, 50), 1),
        unit: 'ms (p50)',
        context: {
          concurrency,
          workers: WORKERS,
          turns: total,
          p95_ms: round(percentile(latencies, 95), 1),
          turns_per_second: round(total / (wallMs / 1000)),
          wall_ms: round(wallMs, 0),
        },
      });
    }
  } finally {
    await workers.close();
  }
}
