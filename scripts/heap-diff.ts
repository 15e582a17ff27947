// `npx tsx scripts/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top]`: what grew
// between two heap snapshots, by constructor (see docs/benchmark.md, "Where a worker's memory goes").
import { diffHeapSummaries, readHeapSummary } from '../dev/heap/heap-snapshot-diff.js';

const [beforePath, afterPath, topText = '30'] = process.argv.slice(2);
if (!beforePath || !afterPath || process.argv.includes('--help')) {
  process.stderr.write('Usage: npx tsx scripts/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [top rows, default 30]\n');
  process.exit(beforePath && afterPath ? 0 : 2);
}
const before = readHeapSummary(beforePath);
const after = readHeapSummary(afterPath);
const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
process.stdout.write(`self size of all objects: ${mib(before.totalBytes)} MiB -> ${mib(after.totalBytes)} MiB\n`);
for (const row of diffHeapSummaries(before, after).slice(0, Number(topText))) {
  process.stdout.write(`${(row.bytesDelta / 1024).toFixed(0).padStart(9)} KiB ${String(row.countDelta).padStart(8)} objects  ${row.key}\n`);
}
