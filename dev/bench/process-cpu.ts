// CPU time of this process and of the dev server child, for the per-turn CPU rows.
import { readFileSync } from 'node:fs';

/** user + system CPU of this process so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** user + system CPU of another process so far, in ms (Linux /proc); undefined when it cannot be read. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the ")" that ends the command name: state is 3rd, utime 14th, stime 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

// USER_HZ is 100 on every Linux the project runs on (x86-64 and arm64).
const CLOCK_TICKS_PER_SECOND = 100;

/** Resident set size of this process in MiB. */
export function rssMiB(): number {
  return process.memoryUsage.rss() / 2 ** 20;
}

/** Resident set size of another process in MiB (Linux /proc); undefined when it cannot be read. */
export function processRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Number(kib) / 1024;
  } catch {
    return undefined;
  }
}
