import { readFileSync, readdirSync } from 'node:fs';

/**
 * Kills every process that runs as `uid` and carries `marker` (a `NAME=value` string unique to one
 * exec call) in its environment: the processes that call started, including those that left its
 * process group (`setsid`, a double fork). Both conditions must hold, so an unrelated process — the
 * worker, another call's commands — is never touched.
 *
 * Best effort by nature: a process that replaces or rewrites its environment (`env -i`, an exec
 * with a new environment) and leaves the group is not recognised. Only bubblewrap's PID namespace
 * makes "nothing outlives the call" a guarantee. Synchronous, so it can also run on process exit.
 */
export function killMarkedProcesses(uid: number, marker: string): number {
  const needle = Buffer.from(`\0${marker}\0`);
  let killed = 0;
  // A process may fork between the scan and the kill; its child carries the marker too, so scan
  // again until a pass finds nothing (bounded: every pass kills what it found).
  for (let pass = 0; pass < 20; pass++) {
    let found = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      if (!runsAs(entry, uid) || !hasMarker(entry, needle)) continue;
      try {
        process.kill(Number(entry), 'SIGKILL');
        found++;
      } catch {
        // gone meanwhile
      }
    }
    killed += found;
    if (found === 0) break;
  }
  return killed;
}

function runsAs(pid: string, uid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const line = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    // real, effective or saved uid: any of them means the process belongs to that user
    return line !== null && line.slice(1, 4).some((id) => Number(id) === uid);
  } catch {
    return false;
  }
}

function hasMarker(pid: string, needle: Buffer): boolean {
  try {
    const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`)]);
    return environ.includes(needle);
  } catch {
    return false;
  }
}
