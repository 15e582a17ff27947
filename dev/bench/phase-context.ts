import type { BenchOptions } from './bench-options.js';
import type { BenchStack } from './bench-stack.js';
import type { Metric } from './metrics.js';

/** What every benchmark phase gets: the running stack, the options, and where to report. */
export interface PhaseContext {
  stack: BenchStack;
  opts: BenchOptions;
  /** One line to stderr: long phases say what they are doing. */
  progress(line: string): void;
  /** A finished measurement (printed at once with --json). */
  emit(metric: Metric): void;
  /** Unique per benchmark run, so session ids never collide with an earlier run on the same server. */
  runId: string;
  /** Aborted on Ctrl-C: check it before starting each turn (`signal.throwIfAborted()`). */
  signal: AbortSignal;
}

/** A turn did not do what the benchmark asked of it; its timing would measure the wrong thing. */
export class BenchSanityError extends Error {
  override readonly name = 'BenchSanityError';
}
