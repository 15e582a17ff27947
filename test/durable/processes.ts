// Finding real child processes by their command line (Linux /proc), for cancellation tests.
import { readFileSync, readdirSync } from 'node:fs';

/** Live (non-zombie) processes whose command line contains `fragment`. */
export function livePidsMatching(fragment: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!cmdline.includes(fragment)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
