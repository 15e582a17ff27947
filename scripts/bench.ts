// `npm run bench [-- --json] [-- --quick]`: the durable runtime's cost, measured end to end.
// See docs/benchmark.md for what each metric means and the numbers from a reference machine.
import { BENCH_USAGE, BenchUsageError, parseBenchOptions } from '../dev/bench/bench-options.js';
import { BenchInterruptedError, runBench } from '../dev/bench/run-bench.js';

// A reader that stops early (`| head`) must not kill the run before it cleans up.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (!opts) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  try {
    await runBench(opts);
  } catch (error) {
    if (!(error instanceof BenchInterruptedError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 130;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
