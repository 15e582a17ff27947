// The whole benchmark: start the stack once, run every phase against it, clean up always.
import { cpus, loadavg, totalmem } from 'node:os';
import { measureActivityFloor } from './activity-floor.js';
import type { BenchOptions, BenchPhase } from './bench-options.js';
import { startBenchStack, type BenchStack } from './bench-stack.js';
import { measureGateway } from './gateway-latency.js';
import { measureHistoryGrowth } from './history-growth.js';
import { measureIdleSessions } from './idle-sessions.js';
import { metricJsonLine, metricsTable, type Metric } from './metrics.js';
import type { PhaseContext } from './phase-context.js';
import { measureMultiWorkerLatency } from './multi-worker-latency.js';
import { measureStepOverhead } from './step-overhead.js';
import { measureSoak } from './soak.js';
import { measureThroughput } from './throughput.js';

const PHASES: Record<BenchPhase, (ctx: PhaseContext) => Promise<void>> = {
  overhead: measureStepOverhead,
  floor: measureActivityFloor,
  throughput: measureThroughput,
  history: measureHistoryGrowth,
  gateway: measureGateway,
  soak: measureSoak,
  sessions: measureIdleSessions,
  concurrency: measureMultiWorkerLatency,
};

export class BenchInterruptedError extends Error {
  override readonly name = 'BenchInterruptedError';
}

export interface BenchIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** One line describing the machine, for the table and the docs (load: others share the cores). */
export function machineLine(): string {
  const cpu = cpus();
  const load = loadavg()[0] ?? 0;
  return (
    `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `Node ${process.version}, ${process.platform}/${process.arch}, load average ${load.toFixed(2)}`
  );
}

/** Runs every phase; with --json each metric is printed as soon as it is measured. */
export async function runBench(opts: BenchOptions, io: BenchIo = process): Promise<Metric[]> {
  const started = performance.now();
  const progress = (line: string): void => {
    io.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
  };
  const metrics: Metric[] = [];
  const emit = (metric: Metric): void => {
    metrics.push(metric);
    if (opts.json) io.stdout.write(`${metricJsonLine(metric)}\n`);
    else progress(`${metric.metric} = ${metric.value} ${metric.unit}`);
  };

  // Taken before the benchmark loads the machine: the load average says what else was running.
  const machine = machineLine();
  progress(`machine: ${machine}${opts.quick ? ' (quick mode)' : ''}`);
  let stack: BenchStack | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const abort = new AbortController();
  // Ctrl-C: phases start no new turn, the turns in flight finish, the workers stop, and the
  // normal cleanup stops the dev server and removes the temp directories. A second Ctrl-C
  // kills the process (the dev server dies with it).
  const interrupt = (signal: NodeJS.Signals): void => {
    interrupted = signal;
    progress(`${signal}: finishing the turns in flight, then cleaning up (Ctrl-C again to kill)`);
    abort.abort(new BenchInterruptedError(`Interrupted by ${signal}`));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    stack = await startBenchStack({
      stepCounts: [opts.steps, opts.historySteps],
      bundlePath: opts.bundlePath,
      progress,
    });
    const ctx: PhaseContext = { stack, opts, progress, emit, runId: Date.now().toString(36), signal: abort.signal };
    await stack.withAgentWorker(async () => {
      for (const phase of opts.phases) await PHASES[phase](ctx);
    });
  } catch (error) {
    if (!interrupted) throw error;
  } finally {
    progress('cleaning up');
    await stack?.close();
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
  }
  if (interrupted) throw new BenchInterruptedError(`Interrupted by ${interrupted}; everything the benchmark started was stopped.`);
  progress('done');
  if (!opts.json) io.stdout.write(`\nMachine: ${machine} (at start)\n\n${metricsTable(metrics)}\n`);
  return metrics;
}
