// Token usage and turns per session, model and day, read from the session logs in a state root
// (`<state>/sessions/*.jsonl` and the conversations `/new` archived under `sessions/archive/`).
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseLine } from './session-records.js';

/** The model of turns whose log predates recorded usage. */
export const UNRECORDED_MODEL = '(not recorded)';

export interface UsageRow {
  session: string;
  model: string;
  /** UTC day of the record, YYYY-MM-DD. */
  day: string;
  turns: number;
  modelCalls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface UsageReport {
  rows: UsageRow[];
  totals: Omit<UsageRow, 'session' | 'model' | 'day'> & { sessions: number };
  /** Model calls whose tokens were not recorded (logs written before usage was). */
  unrecordedCalls: number;
  /** Session log files read. */
  files: number;
}

export interface UsageQuery {
  /** Only this session (its key, as given to --session). */
  session?: string;
  /** Only records at or after this time (ms since the epoch). */
  sinceMs?: number;
}

/** Reads every session log under `<stateDir>/sessions` once, line by line. */
export async function collectUsage(stateDir: string, query: UsageQuery = {}): Promise<UsageReport> {
  const rows = new Map<string, UsageRow>();
  let unrecordedCalls = 0;
  const files = await sessionLogs(join(stateDir, 'sessions'));
  for (const file of files) {
    let session: string | undefined;
    /** The model each turn's first model call used: the turn is counted under it. */
    const turnModels = new Map<string, string>();
    const counted = new Set<string>();
    const turns: Array<{ key: string; turnId: string; day: string }> = [];
    let untagged = 0;
    const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line.trim()) continue;
      const parsed = parseLine(line);
      if (parsed.kind === 'header') {
        session ??= parsed.header.key;
        continue;
      }
      if (parsed.kind !== 'message') continue;
      const message = parsed.message;
      const key = session ?? stemOf(file);
      if (query.session !== undefined && key !== query.session) break;
      const at = Date.parse(message.timestamp);
      if (query.sinceMs !== undefined && !(at >= query.sinceMs)) continue;
      const day = Number.isNaN(at) ? 'unknown' : new Date(at).toISOString().slice(0, 10);
      // A message without a turn id (a hand-written log) stands for a turn of its own.
      const turnId = message.turnId ?? `untagged-${untagged++}`;
      if (message.role === 'assistant') {
        const model = message.model ?? UNRECORDED_MODEL;
        if (!turnModels.has(turnId)) turnModels.set(turnId, model);
        const row = rowFor(rows, key, model, day);
        row.modelCalls += 1;
        if (message.usage) {
          row.inputTokens += message.usage.inputTokens;
          row.outputTokens += message.usage.outputTokens;
        } else {
          unrecordedCalls += 1;
        }
      }
      // A turn is counted once, on the day of its user message, under its first model.
      if (message.role === 'user' && !counted.has(turnId)) {
        counted.add(turnId);
        turns.push({ key, turnId, day });
      }
    }
    for (const turn of turns) {
      rowFor(rows, turn.key, turnModels.get(turn.turnId) ?? UNRECORDED_MODEL, turn.day).turns += 1;
    }
  }
  const sorted = [...rows.values()].sort(
    (a, b) => a.session.localeCompare(b.session) || a.day.localeCompare(b.day) || a.model.localeCompare(b.model),
  );
  const totals = { sessions: new Set(sorted.map((row) => row.session)).size, turns: 0, modelCalls: 0, inputTokens: 0, outputTokens: 0 };
  for (const row of sorted) {
    totals.turns += row.turns;
    totals.modelCalls += row.modelCalls;
    totals.inputTokens += row.inputTokens;
    totals.outputTokens += row.outputTokens;
  }
  return { rows: sorted, totals, unrecordedCalls, files: files.length };
}

function rowFor(rows: Map<string, UsageRow>, session: string, model: string, day: string): UsageRow {
  const key = JSON.stringify([session, model, day]);
  let row = rows.get(key);
  if (!row) {
    row = { session, model, day, turns: 0, modelCalls: 0, inputTokens: 0, outputTokens: 0 };
    rows.set(key, row);
  }
  return row;
}

/** `sessions/*.jsonl` and `sessions/archive/*.jsonl`; regular files only, never through a link. */
async function sessionLogs(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const folder of [dir, join(dir, 'archive')]) {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') continue;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isFile() && entry.name.endsWith('.jsonl')) found.push(join(folder, entry.name));
    }
  }
  return found.sort();
}

function stemOf(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1, -'.jsonl'.length);
  // An archived log is `<safe-id>.<stamp>.jsonl`.
  return name.replace(/\.\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
}
