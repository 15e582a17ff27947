import { writeWorkspaceFile } from '../workspace/workspace-io.js';
import { appendWorkspaceFile, readWorkspaceText } from '../workspace/workspace-text.js';

/**
 * Long-term memory in the agent's workspace: `memory/MEMORY.md` (facts, rewritten as a whole,
 * atomically) and `memory/HISTORY.md` (an append-only, grep-able log of consolidated
 * conversation). The agent may edit both with its tools, so the runtime reads and writes them
 * only through the workspace's confinement: no links followed, regular files only, size caps.
 */

export const MEMORY_FILE = 'memory/MEMORY.md';
export const HISTORY_FILE = 'memory/HISTORY.md';
/** Most of MEMORY.md the runtime reads (a larger or sparse file is cut, never loaded whole). */
export const MAX_MEMORY_READ_BYTES = 1024 * 1024;

export interface MemoryRead {
  text: string;
  /** Why MEMORY.md was not read (a link, a folder, a FIFO…); absent when it was, or simply is not there. */
  skipped?: string;
}

export async function readLongTermMemory(workspace: string): Promise<MemoryRead> {
  const read = await readWorkspaceText(workspace, MEMORY_FILE, MAX_MEMORY_READ_BYTES);
  if (read.ok) return { text: read.truncated ? `${read.text}\n[MEMORY.md was cut at ${MAX_MEMORY_READ_BYTES} bytes]` : read.text };
  return read.missing ? { text: '' } : { text: '', skipped: read.reason };
}

export async function writeLongTermMemory(workspace: string, content: string): Promise<void> {
  await writeWorkspaceFile(workspace, MEMORY_FILE, content.endsWith('\n') ? content : `${content}\n`);
}

/** `[YYYY-MM-DD HH:MM]` in UTC, the prefix of every HISTORY.md entry. */
export function historyStamp(date: Date): string {
  return `[${date.toISOString().slice(0, 16).replace('T', ' ')}]`;
}

/** Appends one entry (one write, so concurrent appends from other sessions never interleave). */
export async function appendHistoryEntry(workspace: string, entry: string, at: Date): Promise<string> {
  const text = entry.trim();
  const stamped = /^\[\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.test(text) ? text : `${historyStamp(at)} ${text}`;
  await appendWorkspaceFile(workspace, HISTORY_FILE, `${stamped}\n\n`);
  return stamped;
}
