import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../conversation/file-lock.js';
import { safeSessionId } from '../conversation/session-id.js';
import { atomicWrite } from './atomic-write.js';

interface CounterFile {
  tokens: number;
  updatedAt: string;
}

/**
 * Token counters in the shared state root (`<state>/budgets/`), one file per day and per session:
 * every worker that mounts the state root adds to the same file, under a lock, with an atomic
 * write, so a count survives worker restarts and no two workers lose each other's additions.
 */
export class UsageCounters {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'budgets');
  }

  /** Tokens counted on `day` (YYYY-MM-DD, the budget's day). */
  daily(day: string): Promise<number> {
    return readTokens(this.dailyPath(day));
  }

  session(sessionId: string): Promise<number> {
    return readTokens(this.sessionPath(sessionId));
  }

  /** Adds to the day's counter; returns the new total. */
  addDaily(day: string, tokens: number): Promise<number> {
    return add(this.dailyPath(day), tokens);
  }

  addSession(sessionId: string, tokens: number): Promise<number> {
    return add(this.sessionPath(sessionId), tokens);
  }

  private dailyPath(day: string): string {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
    return join(this.dir, 'daily', `${day}.json`);
  }

  private sessionPath(sessionId: string): string {
    return join(this.dir, 'sessions', `${safeSessionId(sessionId)}.json`);
  }
}

async function readTokens(path: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const tokens = (JSON.parse(text) as Partial<CounterFile>).tokens;
  return typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0 ? tokens : 0;
}

async function add(path: string, tokens: number): Promise<number> {
  return withFileLock(`${path}.lock`, async () => {
    const total = (await readTokens(path)) + Math.max(0, Math.round(tokens));
    const file: CounterFile = { tokens: total, updatedAt: new Date().toISOString() };
    await atomicWrite(path, `${JSON.stringify(file)}\n`);
    return total;
  });
}
