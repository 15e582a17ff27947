import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from '../storage/atomic-write.js';

/**
 * Long-term memory on the volume: `memory/MEMORY.md` (facts, rewritten as a whole, atomically)
 * and `memory/HISTORY.md` (an append-only, grep-able log of consolidated conversation).
 */

export function memoryDir(workspace: string): string {
  return join(workspace, 'memory');
}

export function memoryFilePath(workspace: string): string {
  return join(memoryDir(workspace), 'MEMORY.md');
}

export function historyFilePath(workspace: string): string {
  return join(memoryDir(workspace), 'HISTORY.md');
}

export async function readLongTermMemory(workspace: string): Promise<string> {
  try {
    return await readFile(memoryFilePath(workspace), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

export async function writeLongTermMemory(workspace: string, content: string): Promise<void> {
  await atomicWrite(memoryFilePath(workspace), content.endsWith('\n') ? content : `${content}\n`, { sync: true });
}

/** `[YYYY-MM-DD HH:MM]` in UTC, the prefix of every HISTORY.md entry. */
export function historyStamp(date: Date): string {
  return `[${date.toISOString().slice(0, 16).replace('T', ' ')}]`;
}

/** Appends one entry (one write, so concurrent appends from other sessions never interleave). */
export async function appendHistoryEntry(workspace: string, entry: string, at: Date): Promise<string> {
  const text = entry.trim();
  const stamped = /^\[\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text) ? text : `${historyStamp(at)} ${text}`;
  await mkdir(memoryDir(workspace), { recursive: true });
  await appendFile(historyFilePath(workspace), `${stamped}\n\n`, 'utf8');
  return stamped;
}
