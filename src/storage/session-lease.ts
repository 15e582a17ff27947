import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite } from './atomic-write.js';
import { STATE_DIR } from './blob-store.js';

export interface Lease {
  sessionId: string;
  turnId: string;
  expiresAt: number;
}

export type LeaseResult = { acquired: true } | { acquired: false; holder: Lease };

/** How long a lease lives without renewal; the holder's activities renew it while they run. */
export const LEASE_TTL_MS = 5 * 60_000;
const GUARD_STALE_MS = 10_000;

/**
 * One writer per session across all workers: a turn holds the session's lease from building
 * its prompt until it is recorded, so the next turn sees its history. The lease lives on the
 * shared volume; an expired lease (its turn vanished) can be taken over.
 */
export class SessionLeases {
  private readonly dir: string;

  /** How long a lease lives without renewal; running activities renew well within it. */
  constructor(workspace: string, readonly ttlMs = LEASE_TTL_MS) {
    this.dir = join(workspace, STATE_DIR, 'leases');
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
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(guard);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0);
        if (age > GUARD_STALE_MS) await rmdir(guard).catch(() => undefined);
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

/**
 * For the state sweeper: deletes a lease file only when no lease in it is still running, under
 * the same guard writers take, so a turn taking the session at that moment is never undone.
 * Does not wait: a guarded (busy) lease is left for the next sweep.
 */
export async function removeLeaseFileIfExpired(path: string, now = Date.now()): Promise<boolean> {
  const guard = `${path}.guard`;
  try {
    await mkdir(guard);
  } catch {
    return false;
  }
  try {
    const lease = await readLease(path);
    if (lease && lease.expiresAt > now) return false;
    await unlink(path);
    return true;
  } catch {
    return false;
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

/** The lease in a lease file, if it holds a readable one. */
export async function readLeaseFile(path: string): Promise<Lease | undefined> {
  return readLease(path);
}

async function readLease(path: string): Promise<Lease | undefined> {
  try {
    const lease = JSON.parse(await readFile(path, 'utf8')) as Lease;
    return typeof lease.turnId === 'string' && typeof lease.expiresAt === 'number' ? lease : undefined;
  } catch {
    return undefined;
  }
}
