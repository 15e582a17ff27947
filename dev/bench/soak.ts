// Memory over many turns: RSS and heap of the bench process (worker, client and scripted model)
// before and after `soakTurns` one-call turns, sampled every tenth of the way, so growth shows
// as a trend rather than one number.
import type { PhaseContext } from './phase-context.js';
import { rssMiB } from './process-cpu.js';
import { round } from './stats.js';
import { runTurnLanes } from './throughput.js';

const SOAK_CONCURRENCY = 10;

function heapUsedMiB(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function measureSoak(ctx: PhaseContext): Promise<void> {
  const { opts, progress, emit } = ctx;
  const total = opts.soakTurns;
  const rssStart = rssMiB();
  const heapStart = heapUsedMiB();
  const trace: number[] = [];
  const every = Math.max(1, Math.floor(total / 10));
  progress(`soak: ${total} one-call turns at concurrency ${SOAK_CONCURRENCY} (RSS ${rssStart.toFixed(0)} MiB at start)`);
  await runTurnLanes(ctx, `bench-${ctx.runId}-soak`, total, SOAK_CONCURRENCY, (done) => {
    if (done % every === 0) {
      trace.push(round(rssMiB(), 0));
      progress(`soak: ${done}/${total} turns, RSS ${trace.at(-1)} MiB`);
    }
  });
  const rssEnd = rssMiB();
  emit({
    metric: 'rss_after_soak',
    value: round(rssEnd, 0),
    unit: 'MiB',
    context: {
      turns: total,
      concurrency: SOAK_CONCURRENCY,
      rss_start_mib: round(rssStart, 0),
      ratio: round(rssEnd / rssStart),
      heap_start_mib: round(heapStart, 0),
      heap_end_mib: round(heapUsedMiB(), 0),
      rss_trace_mib: trace.join(','),
    },
  });
}
