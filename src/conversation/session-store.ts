import { appendFile, mkdir, open, readdir, readFile, rename, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SessionInfo } from '../core/conversation.js';
import type { Message } from '../core/messages.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { atomicWrite } from '../storage/atomic-write.js';
import { withFileLock, type FileLockOptions } from './file-lock.js';
import { repairToolPairs } from './history.js';
import { safeSessionId } from './session-id.js';
import { headerLine, messageLine, parseLine, type SessionHeader, type StoredMessage } from './session-records.js';

/**
 * The session files in the shared state root: `sessions/<safe-id>.jsonl` (append-only), its lock
 * file, and a `.meta.json` sidecar for consolidation state. Every write to a session happens
 * under its lock, so one session has one writer at a time across processes and hosts.
 */

export interface SessionSnapshot {
  header: SessionHeader | undefined;
  /** Every stored message, in file order. */
  messages: StoredMessage[];
  /** How many messages each turn has stored. */
  turnCounts: Map<string, number>;
  /** Bytes up to the end of the last good line. */
  validBytes: number;
  /** Bytes after that: a torn write left by a crash. */
  tornBytes: number;
  /** Complete lines that could not be parsed (skipped). */
  invalidLines: number;
}

export const SessionMetaSchema = z.object({
  key: z.string(),
  /** Messages (in file order) already summarised into memory. */
  lastConsolidated: z.number().int().nonnegative().default(0),
  /** Recent consolidation entries, oldest first: the rolling summary shown before the history. */
  summaries: z.array(z.string()).default([]),
  updatedAt: z.string().optional(),
});
export type SessionMeta = z.output<typeof SessionMetaSchema>;

export interface AppendResult {
  /** Messages written by this call (0 when the turn was already recorded). */
  appended: number;
  /** Messages in the session afterwards. */
  total: number;
}

export interface SessionStoreOptions {
  lock?: FileLockOptions;
  /** fdatasync after each append (default true): a turn Temporal saw recorded survives a node crash. */
  fsync?: boolean;
  logger?: Logger;
  now?: () => Date;
  /** Parsed sessions kept in memory for incremental reads (default 64). */
  maxCachedSessions?: number;
}

interface CacheEntry {
  /** Identity of the file read (a cleared session is a new file at the same path). */
  ino: number;
  birthtimeMs: number;
  snapshot: SessionSnapshot;
}

export class SessionStore {
  readonly sessionsDir: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly now: () => Date;

  constructor(
    readonly stateDir: string,
    private readonly opts: SessionStoreOptions = {},
  ) {
    this.sessionsDir = join(stateDir, 'sessions');
    this.now = opts.now ?? (() => new Date());
  }

  private get log(): Logger {
    return this.opts.logger ?? sharedLogger();
  }

  filePath(sessionId: string): string {
    return join(this.sessionsDir, `${safeSessionId(sessionId)}.jsonl`);
  }

  lockPath(sessionId: string): string {
    return join(this.sessionsDir, `${safeSessionId(sessionId)}.lock`);
  }

  metaPath(sessionId: string): string {
    return join(this.sessionsDir, `${safeSessionId(sessionId)}.meta.json`);
  }

  /** Runs `fn` holding the session's lock. */
  withLock<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.lockPath(sessionId), fn, this.opts.lock);
  }

  /**
   * Reads the session (incrementally: only bytes appended since the last read are parsed).
   * A torn tail is ignored here and repaired by the next write.
   */
  async read(sessionId: string): Promise<SessionSnapshot> {
    const path = this.filePath(sessionId);
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.cache.delete(path);
      return emptySnapshot();
    }
    const cached = this.cache.get(path);
    const reusable =
      cached &&
      cached.ino === info.ino &&
      cached.birthtimeMs === info.birthtimeMs &&
      info.size >= cached.snapshot.validBytes;
    const base = reusable ? cloneSnapshot(cached.snapshot) : emptySnapshot();
    if (info.size === base.validBytes + base.tornBytes && reusable) return base;

    const handle = await open(path, 'r');
    let bytes: Buffer;
    try {
      const length = info.size - base.validBytes;
      bytes = Buffer.alloc(Math.max(0, length));
      let offset = 0;
      while (offset < length) {
        const { bytesRead } = await handle.read(bytes, offset, length - offset, base.validBytes + offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
      bytes = bytes.subarray(0, offset);
    } finally {
      await handle.close();
    }
    const snapshot = parseInto(base, bytes);
    this.remember(path, { ino: info.ino, birthtimeMs: info.birthtimeMs, snapshot: cloneSnapshot(snapshot) });
    return snapshot;
  }

  /** Keeps the most recently read sessions parsed; a worker serving many sessions stays bounded. */
  private remember(path: string, entry: CacheEntry): void {
    this.cache.delete(path);
    this.cache.set(path, entry);
    const limit = this.opts.maxCachedSessions ?? 64;
    while (this.cache.size > limit) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /**
   * Appends a turn idempotently, under the session lock: messages the turn already stored
   * are skipped, so a retried activity never duplicates anything and a partially stored turn
   * is completed. Dangling tool calls are removed first. The header (for a new file) and all
   * of the turn's lines go out in ONE write, so a crash cannot leave half a turn behind.
   */
  async appendTurn(sessionId: string, turnId: string, messages: readonly Message[]): Promise<AppendResult> {
    const cleaned = repairToolPairs(messages);
    return this.withLock(sessionId, async () => {
      let snapshot = await this.read(sessionId);
      if (snapshot.tornBytes > 0) snapshot = await this.repairTornTail(sessionId, snapshot);
      const already = snapshot.turnCounts.get(turnId) ?? 0;
      const missing = cleaned.slice(already);
      if (missing.length === 0) return { appended: 0, total: snapshot.messages.length };

      const timestamp = this.now().toISOString();
      let payload = '';
      if (snapshot.validBytes === 0) payload += headerLine(sessionId, timestamp);
      for (const message of missing) payload += messageLine(message, turnId, timestamp);
      await this.writeOnce(this.filePath(sessionId), payload);
      return { appended: missing.length, total: snapshot.messages.length + missing.length };
    });
  }

  /**
   * Replaces the whole session file at once (a reader sees the old file or the new one, never
   * half). Only for one-off conversions such as `migrate`; turns append. Call under the lock.
   */
  async replaceFile(sessionId: string, content: string): Promise<void> {
    await mkdir(this.sessionsDir, { recursive: true });
    await atomicWrite(this.filePath(sessionId), content, { sync: this.opts.fsync !== false });
    this.cache.delete(this.filePath(sessionId));
  }

  private async writeOnce(path: string, payload: string): Promise<void> {
    await mkdir(this.sessionsDir, { recursive: true });
    const handle = await open(path, 'a');
    try {
      const bytes = Buffer.from(payload, 'utf8');
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
      if (this.opts.fsync !== false) await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  /** Sets a torn tail aside into `<file>.corrupt` and truncates it away. Call under the lock. */
  private async repairTornTail(sessionId: string, snapshot: SessionSnapshot): Promise<SessionSnapshot> {
    const path = this.filePath(sessionId);
    const all = await readFile(path);
    const torn = all.subarray(snapshot.validBytes);
    if (torn.length > 0) {
      await appendFile(`${path}.corrupt`, Buffer.concat([torn, Buffer.from('\n')]));
      await truncate(path, snapshot.validBytes);
      this.log.warn(
        { sessionFile: path, bytes: torn.length },
        'Repaired a torn last line in a session file (left by a crash); the bytes were moved to the .corrupt file.',
      );
    }
    this.cache.delete(path);
    return this.read(sessionId);
  }

  async readMeta(sessionId: string): Promise<SessionMeta> {
    try {
      const parsed = SessionMetaSchema.safeParse(JSON.parse(await readFile(this.metaPath(sessionId), 'utf8')));
      if (parsed.success) return parsed.data;
      this.log.warn({ metaFile: this.metaPath(sessionId) }, 'Ignoring an unreadable session meta file.');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log.warn({ metaFile: this.metaPath(sessionId), err: error }, 'Ignoring an unreadable session meta file.');
      }
    }
    return { key: sessionId, lastConsolidated: 0, summaries: [] };
  }

  async writeMeta(sessionId: string, meta: SessionMeta): Promise<void> {
    const updated: SessionMeta = { ...meta, key: sessionId, updatedAt: this.now().toISOString() };
    await atomicWrite(this.metaPath(sessionId), `${JSON.stringify(updated, null, 2)}\n`, { sync: true });
  }

  /**
   * Moves the session file (and its meta sidecar) into `sessions/archive/`. Returns false when
   * there was nothing to archive. Call under the session lock.
   */
  async archive(sessionId: string): Promise<boolean> {
    const path = this.filePath(sessionId);
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const archiveDir = join(this.sessionsDir, 'archive');
    const base = safeSessionId(sessionId);
    await mkdir(archiveDir, { recursive: true });
    let moved = false;
    try {
      await rename(path, join(archiveDir, `${base}.${stamp}.jsonl`));
      moved = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      await rename(this.metaPath(sessionId), join(archiveDir, `${base}.${stamp}.meta.json`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.cache.delete(path);
    return moved;
  }

  /** Sessions on the volume, newest first. `updatedAt` is the file's modification time (the last append). */
  async list(): Promise<SessionInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.sessionsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const sessions: SessionInfo[] = [];
    for (const name of names.filter((n) => n.endsWith('.jsonl'))) {
      const path = join(this.sessionsDir, name);
      try {
        const info = await stat(path);
        if (!info.isFile()) continue;
        const header = await readHeader(path);
        sessions.push({
          key: header?.key ?? name.slice(0, -'.jsonl'.length),
          createdAt: header?.createdAt ?? info.birthtime.toISOString(),
          updatedAt: info.mtime.toISOString(),
          path,
        });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return sessions.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }
}

function emptySnapshot(): SessionSnapshot {
  return { header: undefined, messages: [], turnCounts: new Map(), validBytes: 0, tornBytes: 0, invalidLines: 0 };
}

function cloneSnapshot(snapshot: SessionSnapshot): SessionSnapshot {
  return { ...snapshot, messages: [...snapshot.messages], turnCounts: new Map(snapshot.turnCounts) };
}

/** Parses `bytes` (which start at `base.validBytes`) into `base`. */
function parseInto(base: SessionSnapshot, bytes: Buffer): SessionSnapshot {
  const snapshot = base;
  let start = 0;
  // Complete lines only; whatever follows the last newline is (for now) a torn tail.
  for (let nl = bytes.indexOf(0x0a, start); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
    const line = bytes.subarray(start, nl).toString('utf8').trim();
    const lineEnd = nl + 1;
    const isLast = bytes.indexOf(0x0a, lineEnd) < 0 && lineEnd === bytes.length;
    if (line !== '') {
      const parsed = parseLine(line);
      if (parsed.kind === 'header') {
        snapshot.header ??= parsed.header;
      } else if (parsed.kind === 'message') {
        snapshot.messages.push(parsed.message);
        const turnId = parsed.message.turnId;
        if (turnId !== undefined) snapshot.turnCounts.set(turnId, (snapshot.turnCounts.get(turnId) ?? 0) + 1);
      } else if (isLast) {
        // An unparseable final line is what a crash mid-write leaves: treat it as torn.
        snapshot.tornBytes = bytes.length - start;
        return snapshot;
      } else {
        snapshot.invalidLines += 1;
      }
    }
    snapshot.validBytes += lineEnd - start;
    start = lineEnd;
  }
  snapshot.tornBytes = bytes.length - start;
  return snapshot;
}

async function readHeader(path: string): Promise<SessionHeader | undefined> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const newline = text.indexOf('\n');
    if (newline < 0) return undefined;
    const parsed = parseLine(text.slice(0, newline));
    return parsed.kind === 'header' ? parsed.header : undefined;
  } finally {
    await handle.close();
  }
}
