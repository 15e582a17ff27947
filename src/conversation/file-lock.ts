import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SessionLockTimeoutError } from './errors.js';

/**
 * An exclusive lock shared by every process that mounts the volume: a lock file created with
 * O_EXCL (`wx`). The holder refreshes its mtime while it works; a lock whose holder is a dead
 * process on this host, or whose mtime is older than `staleMs`, is broken.
 */
export interface FileLockOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** A lock not refreshed for this long is abandoned (default 10 s). */
  staleMs?: number;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  acquiredAt: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_STALE_MS = 10_000;
const HOST = hostname();

/** Tokens of locks this process holds right now: a lock file naming our pid but another token is a leftover. */
const heldTokens = new Set<string>();
/** In-process queue per lock path, so instances in one process wait in line instead of polling. */
const localQueues = new Map<string, Promise<void>>();

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const previous = localQueues.get(lockPath) ?? Promise.resolve();
  let releaseLocal!: () => void;
  const mine = new Promise<void>((resolve) => (releaseLocal = resolve));
  const chained = previous.then(() => mine);
  localQueues.set(lockPath, chained);
  try {
    await previous;
    const token = await acquire(lockPath, opts);
    const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
    const heartbeat = setInterval(
      () => {
        const now = new Date();
        utimes(lockPath, now, now).catch(() => undefined);
      },
      Math.max(50, Math.floor(staleMs / 3)),
    );
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await release(lockPath, token);
    }
  } finally {
    releaseLocal();
    if (localQueues.get(lockPath) === chained) localQueues.delete(lockPath);
  }
}

async function acquire(lockPath: string, opts: FileLockOptions): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const deadline = Date.now() + timeoutMs;
  const token = randomBytes(8).toString('hex');
  const owner: LockOwner = { pid: process.pid, host: HOST, token, acquiredAt: new Date().toISOString() };
  let delay = 2;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      heldTokens.add(token);
      return token;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        await mkdir(dirname(lockPath), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    if (await breakIfStale(lockPath, staleMs)) continue;
    if (Date.now() > deadline) {
      const holder = await readOwner(lockPath);
      const who = holder ? ` (held by pid ${holder.pid} on ${holder.host} since ${holder.acquiredAt})` : '';
      throw new SessionLockTimeoutError(
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for the lock ${lockPath}${who}. ` +
          'If no process is using it any more, delete the lock file.',
        lockPath,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  heldTokens.delete(token);
  // Only remove our own lock: if it was broken as stale while we worked, the file is someone else's.
  const owner = await readOwner(lockPath);
  if (owner?.token === token) await unlink(lockPath).catch(() => undefined);
}

async function readOwner(lockPath: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(lockPath, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.token === 'string') {
      return { pid: parsed.pid, host: parsed.host, token: parsed.token, acquiredAt: String(parsed.acquiredAt ?? '?') };
    }
  } catch {
    // missing, empty (holder died between create and write) or garbage: judged by age alone
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Returns true when the lock is gone (or was removed as stale) and acquiring should be retried at once. */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let mtimeMs: number;
  let raw: string;
  try {
    mtimeMs = (await stat(lockPath)).mtimeMs;
    raw = await readFile(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const owner = await readOwner(lockPath);
  const old = Date.now() - mtimeMs > staleMs;
  const deadHere =
    owner !== undefined &&
    owner.host === HOST &&
    (owner.pid === process.pid ? !heldTokens.has(owner.token) : !processAlive(owner.pid));
  if (!old && !deadHere) return false;

  // Move the stale file aside rather than unlinking it: if another waiter replaced it in the
  // meantime we took a live lock by mistake, and can put it back.
  const aside = `${lockPath}.stale-${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  const movedRaw = await readFile(aside, 'utf8').catch(() => '');
  if (movedRaw !== raw) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
