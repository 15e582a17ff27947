import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSessionEvent, type SessionEvent, type SessionEventBody } from '../contract/session-events.js';
import { withFileLock } from '../conversation/file-lock.js';
import { atomicWrite } from '../storage/atomic-write.js';
import type { SessionEventStore, TrimResult } from './session-event-store.js';

/** The folder of the state root that holds the streams: one append-only JSONL file per session. */
export const EVENTS_FOLDER = 'events';
/** How often a follower looks for new lines when no change notification arrives (network volumes send none). */
const POLL_MS = 200;
/** Enough of a file's end to find its last complete line in all but pathological cases. */
const TAIL_BYTES = 64 * 1024;

interface SeqCache {
  ino: number;
  size: number;
  seq: number;
}

/**
 * The default backend: `<stateRoot>/events/<hash>.jsonl`, one event per line, appended under the
 * session's stream lock (a lock file every process on the volume honours), so numbers stay unique
 * and in order whoever writes. Readers need no lock: they read whole lines up to the end and
 * tail the file; a line torn by a crash is skipped, and the next append starts on a new line.
 */
export class FileEventStore implements SessionEventStore {
  readonly kind = 'file' as const;
  readonly dir: string;
  /** The last number per file as of its size: appends from this process skip re-reading the file. */
  private readonly seqCache = new Map<string, SeqCache>();

  constructor(stateDir: string) {
    this.dir = join(stateDir, EVENTS_FOLDER);
  }

  /** The file of a session's stream (its name is a hash: session ids may hold any character). */
  pathOf(sessionId: string): string {
    return join(this.dir, `${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}.jsonl`);
  }

  async append(sessionId: string, body: SessionEventBody): Promise<SessionEvent> {
    const path = this.pathOf(sessionId);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withFileLock(
      `${path}.lock`,
      async () => {
        const { seq, endsClean, size, ino } = await this.lastOf(path);
        const event = { ...body, seq: seq + 1, sessionId, at: new Date().toISOString() } as SessionEvent;
        const line = `${endsClean ? '' : '\n'}${JSON.stringify(event)}\n`;
        await appendFile(path, line, { mode: 0o600 });
        const after = await stat(path);
        // Only trust the cache when the file is exactly what we wrote onto.
        if (after.ino === ino || ino === 0) {
          if (after.size === size + Buffer.byteLength(line)) this.seqCache.set(path, { ino: after.ino, size: after.size, seq: event.seq });
        }
        return event;
      },
      { timeoutMs: 30_000, staleMs: 10_000 },
    );
  }

  async read(sessionId: string, after = 0, opts: { limit?: number } = {}): Promise<SessionEvent[]> {
    const text = await readFile(this.pathOf(sessionId), 'utf8').catch(missingAsEmpty);
    const events = parseLines(text).filter((event) => event.seq > after);
    return opts.limit === undefined ? events : events.slice(0, opts.limit);
  }

  async lastSeq(sessionId: string): Promise<number> {
    return (await this.lastOf(this.pathOf(sessionId))).seq;
  }

  async *follow(sessionId: string, after: number, signal: AbortSignal): AsyncIterable<SessionEvent> {
    const path = this.pathOf(sessionId);
    await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch(() => undefined); // so it can be watched
    const wake = new Wakeup(this.dir, path.slice(this.dir.length + 1), signal);
    let last = after;
    let offset = 0;
    let ino = -1;
    try {
      while (!signal.aborted) {
        const info = await stat(path).catch(() => undefined);
        if (info) {
          // A trimmed stream is a new file (gc rewrites it): read it again from the top.
          if (info.ino !== ino || info.size < offset) {
            ino = info.ino;
            offset = 0;
          }
          if (info.size > offset) {
            const { text, end } = await readWholeLines(path, offset, info.size);
            offset = end;
            for (const event of parseLines(text)) {
              if (event.seq <= last) continue;
              last = event.seq;
              yield event;
              if (signal.aborted) return;
            }
            continue; // more may have come while we read
          }
        }
        await wake.next();
      }
    } finally {
      wake.close();
    }
  }

  async trim(cutoff: number, opts: { dryRun?: boolean } = {}): Promise<TrimResult> {
    const result: TrimResult = { sessions: 0, removedEvents: 0 };
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names.filter((entry) => entry.endsWith('.jsonl'))) {
      const path = join(this.dir, name);
      const removed = await withFileLock(`${path}.lock`, async () => {
        const events = parseLines(await readFile(path, 'utf8').catch(missingAsEmpty));
        // The last event stays whatever its age: the next append numbers on from it.
        const kept = events.filter((event, index) => index === events.length - 1 || Date.parse(event.at) >= cutoff);
        const dropped = events.length - kept.length;
        if (dropped > 0 && !opts.dryRun) {
          await atomicWrite(path, kept.map((event) => `${JSON.stringify(event)}\n`).join(''));
          this.seqCache.delete(path);
        }
        return dropped;
      });
      if (removed > 0) {
        result.sessions += 1;
        result.removedEvents += removed;
      }
    }
    return result;
  }

  async close(): Promise<void> {
    this.seqCache.clear();
  }

  /** The last sequence number in the file, whether it ends with a newline, and its size and inode. */
  private async lastOf(path: string): Promise<{ seq: number; endsClean: boolean; size: number; ino: number }> {
    const info = await stat(path).catch(() => undefined);
    if (!info || info.size === 0) return { seq: 0, endsClean: true, size: 0, ino: info?.ino ?? 0 };
    const cached = this.seqCache.get(path);
    if (cached && cached.ino === info.ino && cached.size === info.size) return { seq: cached.seq, endsClean: true, size: info.size, ino: info.ino };
    const handle = await open(path, 'r');
    try {
      let start = Math.max(0, info.size - TAIL_BYTES);
      for (;;) {
        const buffer = Buffer.alloc(info.size - start);
        await handle.read(buffer, 0, buffer.length, start);
        const text = buffer.toString('utf8');
        const events = parseLines(start === 0 ? text : text.slice(text.indexOf('\n') + 1));
        const endsClean = text.endsWith('\n');
        const lastEvent = events.at(-1);
        if (lastEvent || start === 0) return { seq: lastEvent?.seq ?? 0, endsClean, size: info.size, ino: info.ino };
        start = Math.max(0, start - TAIL_BYTES * 16); // one very long event: look further back
      }
    } finally {
      await handle.close();
    }
  }
}

/** Parses JSONL, skipping blank, torn or foreign lines. */
function parseLines(text: string): SessionEvent[] {
  const events: SessionEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isSessionEvent(value)) events.push(value);
    } catch {
      // a line torn by a crash mid-append
    }
  }
  return events;
}

/** The complete lines between `from` and `to` and where they end (a line still being written waits for next time). */
async function readWholeLines(path: string, from: number, to: number): Promise<{ text: string; end: number }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, from);
    const lastNewline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (lastNewline < 0) return { text: '', end: from };
    return { text: buffer.subarray(0, lastNewline + 1).toString('utf8'), end: from + lastNewline + 1 };
  } finally {
    await handle.close();
  }
}

function missingAsEmpty(error: unknown): string {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
  throw error;
}

/** Resolves on a change notification for the file, after the poll interval, or when the signal aborts. */
class Wakeup {
  private watcher: FSWatcher | undefined;
  private pending: (() => void) | undefined;
  private changed = false;

  constructor(
    dir: string,
    name: string,
    private readonly signal: AbortSignal,
  ) {
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === name) this.fire();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // no folder yet, or no notifications on this volume: polling alone
    }
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  next(): Promise<void> {
    if (this.changed || this.signal.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fire(), POLL_MS);
      this.pending = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
    this.signal.removeEventListener('abort', this.onAbort);
    this.fire();
  }

  private readonly onAbort = (): void => this.fire();

  private fire(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending) pending();
    else this.changed = true;
  }
}
