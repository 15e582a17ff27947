import { randomBytes } from 'node:crypto';
import { PinnedDir } from './pinned-dir.js';
import { leaseExpired } from './session-lease.js';

/**
 * The folders of the state root that hold disposable runtime state. Anything else there
 * (sessions/, locks, the layout marker) is never touched. `payloads/` (Temporal payloads kept
 * outside history) is swept only on request: unlike a blob, a payload is read again whenever its
 * workflow's history is replayed, so deleting one that an open, long-idle workflow (a session)
 * references would wedge it.
 */
export const STATE_KINDS = ['blobs', 'payloads', 'tool-calls', 'tool-outputs', 'leases', 'channel-deliveries', 'channel-streams'] as const;

const HOUR_MS = 3_600_000;
export const DEFAULT_STATE_RETENTION_MS = 7 * 24 * HOUR_MS;
/**
 * A blob or journal entry is needed while its turn runs or is retried. buildPrompt may wait
 * up to 24 h (its schedule-to-close) for a busy session, and later steps retry for hours more,
 * so anything shorter than 48 h could delete state a live turn still reads.
 */
export const MIN_STATE_RETENTION_MS = 48 * HOUR_MS;

export interface SweepOptions {
  /** Delete files last modified longer ago than this (default 7 days). */
  olderThanMs?: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
  /** The clock, for tests (default Date.now()). */
  now?: number;
  /** Allow a retention below MIN_STATE_RETENTION_MS (only when no turn can still be running). */
  force?: boolean;
  /** Sweep payloads/ too: only when every workflow referencing them is closed and past retention. */
  includePayloads?: boolean;
}

export interface KindTally {
  removed: number;
  bytes: number;
  kept: number;
}

export interface SweepResult {
  removedFiles: number;
  removedBytes: number;
  keptFiles: number;
  removedDirs: number;
  byKind: Record<string, KindTally>;
  dryRun: boolean;
  /** Files with an mtime before this (ms since epoch) were candidates. */
  cutoff: number;
}

export class RetentionTooShortError extends Error {
  override readonly name = 'RetentionTooShortError';
}

/**
 * Deletes runtime state older than the retention. Every folder is walked through its open
 * descriptor and no link is ever followed, so a folder swapped for a symbolic link while the
 * sweep runs leads nowhere. Safe beside running workers: a blob that BlobStore.putJson reuses
 * (and so touches) while being swept is put back, a journal entry rewritten meanwhile survives,
 * a lease is removed only when expired and under its guard, and writers recreate a folder swept
 * from under them.
 */
export async function sweepState(stateDir: string, opts: SweepOptions = {}): Promise<SweepResult> {
  const olderThanMs = opts.olderThanMs ?? DEFAULT_STATE_RETENTION_MS;
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new RetentionTooShortError(`The retention must be a non-negative duration (got ${olderThanMs} ms).`);
  }
  if (olderThanMs < MIN_STATE_RETENTION_MS && !opts.force) {
    throw new RetentionTooShortError(
      `A retention of ${formatHours(olderThanMs)} is below the ${formatHours(MIN_STATE_RETENTION_MS)} minimum: ` +
        'running or retried turns may still need that state. Use a longer retention, or force it only when no turn is running.',
    );
  }
  const now = opts.now ?? Date.now();
  const sweeper = new Sweeper(now, now - olderThanMs, opts.dryRun ?? false);
  // The root is the operator's path (it may be a link, e.g. a mount); nothing below it is followed.
  const root = await PinnedDir.open(stateDir, { followLinks: true });
  if (!root) return sweeper.result;
  try {
    for (const kind of STATE_KINDS) {
      if (kind === 'payloads' && !opts.includePayloads) continue;
      const dir = await root.child(kind);
      if (!dir) continue;
      const tally: KindTally = { removed: 0, bytes: 0, kept: 0 };
      sweeper.result.byKind[kind] = tally;
      try {
        await sweeper.sweepDir(kind, dir, tally);
      } finally {
        await dir.close();
      }
    }
  } finally {
    await root.close();
  }
  return sweeper.result;
}

class Sweeper {
  readonly result: SweepResult;

  constructor(
    private readonly now: number,
    private readonly cutoff: number,
    private readonly dryRun: boolean,
  ) {
    this.result = { removedFiles: 0, removedBytes: 0, keptFiles: 0, removedDirs: 0, byKind: {}, dryRun, cutoff };
  }

  /** Sweeps one folder; returns how many entries are left in it. */
  async sweepDir(kind: string, dir: PinnedDir, tally: KindTally): Promise<number> {
    const entries = await dir.entries().catch(() => []);
    let left = 0;
    for (const entry of entries) {
      if (entry.isDirectory()) {
        if (kind === 'leases' && entry.name.endsWith('.guard')) {
          // A guard folder is a held lock; only a long-abandoned one goes.
          if (!(await this.removeStaleGuard(dir, entry.name))) left++;
        } else if (!(await this.sweepSubdir(kind, dir, entry.name, tally))) {
          left++;
        }
      } else if (entry.isFile()) {
        if (!(await this.sweepFile(kind, dir, entry.name, tally))) left++;
      } else {
        left++; // links and others are left alone
      }
    }
    return left;
  }

  /** Sweeps a subfolder and removes it when it ends up empty; returns whether it is gone. */
  private async sweepSubdir(kind: string, parent: PinnedDir, name: string, tally: KindTally): Promise<boolean> {
    const before = await parent.lstat(name);
    if (!before) return false;
    const dir = await parent.child(name);
    if (!dir) return false;
    let left: number;
    let removedAny: boolean;
    try {
      const removedBefore = this.result.removedFiles + this.result.removedDirs;
      left = await this.sweepDir(kind, dir, tally);
      removedAny = this.result.removedFiles + this.result.removedDirs > removedBefore;
    } finally {
      await dir.close();
    }
    if (left > 0) return false;
    // Empty: remove it if it was old already or we just emptied it (a writer recreates it).
    if (!removedAny && before.mtimeMs >= this.cutoff) return false;
    if (!this.dryRun && !(await parent.rmdir(name).then(() => true, () => false))) return false;
    this.result.removedDirs++;
    return true;
  }

  private async sweepFile(kind: string, dir: PinnedDir, name: string, tally: KindTally): Promise<boolean> {
    const info = await dir.lstat(name);
    if (!info) return true; // gone meanwhile
    let removed = false;
    if (info.isFile() && info.mtimeMs < this.cutoff) {
      if (kind === 'leases' && name.endsWith('.json')) removed = await this.removeLease(dir, name);
      else removed = this.dryRun || (await removeIfStillOld(dir, name, this.cutoff));
    }
    if (removed) {
      tally.removed++;
      tally.bytes += info.size;
      this.result.removedFiles++;
      this.result.removedBytes += info.size;
    } else {
      tally.kept++;
      this.result.keptFiles++;
    }
    return removed;
  }

  /** A lease file goes only when no lease in it is still running, under the guard writers take. */
  private async removeLease(dir: PinnedDir, name: string): Promise<boolean> {
    const guard = `${name}.guard`;
    if (this.dryRun) return leaseExpired(dir, name, this.now);
    try {
      await dir.mkdir(guard);
    } catch {
      return false; // busy: left for the next sweep
    }
    try {
      if (!(await leaseExpired(dir, name, this.now))) return false;
      await dir.unlink(name);
      return true;
    } catch {
      return false;
    } finally {
      await dir.rmdir(guard).catch(() => undefined);
    }
  }

  private async removeStaleGuard(dir: PinnedDir, name: string): Promise<boolean> {
    const info = await dir.lstat(name);
    if (!info || info.mtimeMs >= this.cutoff) return false;
    if (!this.dryRun && !(await dir.rmdir(name).then(() => true, () => false))) return false;
    this.result.removedDirs++;
    return true;
  }
}

/**
 * Moves the file aside, then checks it again: if a writer touched it in between (putJson
 * reusing a blob), it goes back; if a writer replaced it, the new file is already in place.
 */
async function removeIfStillOld(dir: PinnedDir, name: string, cutoff: number): Promise<boolean> {
  const aside = `${name}.${process.pid}.${randomBytes(4).toString('hex')}.sweeping`;
  try {
    await dir.rename(name, aside);
  } catch {
    return false;
  }
  const info = await dir.lstat(aside);
  if (info && info.mtimeMs >= cutoff) {
    // link fails if a writer already recreated the file; either way the content is in place.
    await dir.link(aside, name).catch(() => undefined);
    await dir.unlink(aside).catch(() => undefined);
    return false;
  }
  await dir.unlink(aside).catch(() => undefined);
  return true;
}

function formatHours(ms: number): string {
  const hours = ms / HOUR_MS;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(2)} h`;
}
