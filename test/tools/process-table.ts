import { readFileSync, readdirSync } from 'node:fs';

/** Live (non-zombie) processes in a process group, read from /proc. */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procStat(Number(entry));
    if (info && info.pgrp === pgid && info.state !== 'Z' && info.state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const info = procStat(pid);
  return info !== undefined && info.state !== 'Z' && info.state !== 'X';
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: after[0] ?? '?', pgrp: Number(after[2]) };
  } catch {
    return undefined;
  }
}
