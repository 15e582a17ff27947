import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from './atomic-write.js';
import type { PinnedDir } from './pinned-dir.js';

export interface Lease {
  sessionId: string;
  turnId: string;
  expiresAt: number;
}

export type LeaseResult = { acquired: true } | { acquired: false; holder: Lease };

/** How long a lease lives without renewal; the holder's activities renew it while they run. */
export const LEASE_TTL_MS = 5 * 60_000;
const GUARD_STALE_MS = 10_000;
/** Longest a lease operation waits for its guard before giving up with an error (not a hang). */
const GUARD_WAIT_MS = 60_000;

/**
 * One writer per session across all workers: a turn holds the session's lease from building
 * its prompt until it is recorded, so the next turn sees its history. The lease lives in the
 * shared state root; an expired lease (its turn vanished) can be taken over.
 */
export class SessionLeases {
  private readonly dir: string;

  /** How long a lease lives without renewal; running activities renew well within it. */
  constructor(stateDir: string, readonly ttlMs = LEASE_TTL_MS) {
    this.dir = join(stateDir, 'leases');
  }

  /** Takes or renews the lease for `turnId`; reports the holder when another turn has it. */
  async acquire(sessionId: string, turnId: string, now = Date.now()): Promise<LeaseResult> {
    return this.guarded(sessionId, async (path) => {
      const current = await readLease(path);
      if (current && current.turnId !== turnId && current.expiresAt > now) {
        return { acquired: false, holder: current };
      }
      await atomicWrite(path, JSON.stringify({ sessionId, turnId, expiresAt: now + this.ttlMs } satisfies Lease));
      return { acquired: true };
    });
  }

  /** Extends the lease if `turnId` still holds it. */
  async renew(sessionId: string, turnId: string, now = Date.now()): Promise<boolean> {
    return this.guarded(sessionId, async (path) => {
      const current = await readLease(path);
      if (current?.turnId !== turnId) return false;
      await atomicWrite(path, JSON.stringify({ ...current, expiresAt: now + this.ttlMs }));
      return true;
    });
  }

  /** Gives the lease up (idempotent). */
  async release(sessionId: string, turnId: string): Promise<void> {
    await this.guarded(sessionId, async (path) => {
      const current = await readLease(path);
      if (current?.turnId === turnId) await rm(path, { force: true });
    });
  }

  async holder(sessionId: string): Promise<Lease | undefined> {
    return readLease(this.pathOf(sessionId));
  }

  private pathOf(sessionId: string): string {
    return join(this.dir, `${createHash('sha256').update(sessionId).digest('hex').slice(0, 32)}.json`);
  }

  /** mkdir is atomic on local disks and NFS alike: it guards the read-modify-write. */
  private async guarded<T>(sessionId: string, fn: (path: string) => Promise<T>): Promise<T> {
    const path = this.pathOf(sessionId);
    const guard = `${path}.guard`;
    await mkdir(this.dir, { recursive: true });
    const deadline = Date.now() + GUARD_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(guard);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const found = await lstat(guard).catch(() => undefined);
        // Only a directory is a guard: anything else under that name is debris, never a lock to wait on.
        if (found && !found.isDirectory()) await rm(guard, { force: true });
        const age = found ? Date.now() - found.mtimeMs : 0;
        if (found?.isDirectory() && age > GUARD_STALE_MS) await rmdir(guard).catch(() => undefined);
        if (Date.now() > deadline) {
          throw new Error(`The lease guard ${guard} stayed taken for ${GUARD_WAIT_MS / 1000} s; is a worker stuck?`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(5 * (attempt + 1), 50)));
      }
    }
    try {
      return await fn(path);
    } finally {
      await rmdir(guard).catch(() => undefined);
    }
  }
}

/** For the state sweeper: true when the lease file in `dir` holds no lease that is still running. */
export async function leaseExpired(dir: PinnedDir, name: string, now = Date.now()): Promise<boolean> {
  let handle;
  try {
    handle = await dir.openFile(name);
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return false;
    const lease = parseLease(await handle.readFile('utf8'));
    return !(lease && lease.expiresAt > now);
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

async function readLease(path: string): Promise<Lease | undefined> {
  try {
    return parseLease(await readFile(path, 'utf8'));
  } catch {
    return undefined;
  }
}

function parseLease(text: string): Lease | undefined {
  try {
    const lease = JSON.parse(text) as Lease;
    return typeof lease.turnId === 'string' && typeof lease.expiresAt === 'number' ? lease : undefined;
  } catch {
    return undefined;
  }
}
