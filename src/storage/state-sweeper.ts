import { randomBytes } from 'node:crypto';
import { link, lstat, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { STATE_DIR } from './blob-store.js';
import { readLeaseFile, removeLeaseFileIfExpired } from './session-lease.js';

/**
 * The folders under `<workspace>/.exoclaw/` that hold disposable runtime state. Anything else
 * there, and everything outside `.exoclaw/` (sessions/, memory/, skills/, user files), is never
 * touched. `payloads/` (Temporal payloads kept outside history) is swept only on request: unlike
 * a blob, a payload is read again whenever its workflow's history is replayed, so deleting one
 * that an open, long-idle workflow (a session) references would wedge it.
 */
export const STATE_KINDS = ['blobs', 'payloads', 'tool-calls', 'tool-outputs', 'leases'] as const;

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
 * Deletes runtime state older than the retention. Safe beside running workers: a blob that
 * BlobStore.putJson reuses (and so touches) while being swept is put back, a journal entry
 * rewritten meanwhile survives, a lease is removed only when expired and under its guard,
 * and writers recreate a folder swept from under them.
 */
export async function sweepState(workspace: string, opts: SweepOptions = {}): Promise<SweepResult> {
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
  const stateRoot = join(workspace, STATE_DIR);
  for (const kind of STATE_KINDS) {
    if (kind === 'payloads' && !opts.includePayloads) continue;
    const root = join(stateRoot, kind);
    // Only a real folder is swept: a symlink could lead outside .exoclaw/.
    const info = await lstat(root).catch(() => undefined);
    if (!info?.isDirectory()) continue;
    const tally: KindTally = { removed: 0, bytes: 0, kept: 0 };
    sweeper.result.byKind[kind] = tally;
    await sweeper.sweepDir(kind, root, tally, true);
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

  /** Sweeps one folder; returns whether it is (or, in a dry run, would be) empty afterwards. */
  async sweepDir(kind: string, dir: string, tally: KindTally, isRoot: boolean): Promise<boolean> {
    const before = await lstat(dir).catch(() => undefined);
    if (!before) return false;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    let left = 0;
    let removedAny = false;
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (kind === 'leases' && entry.name.endsWith('.guard')) {
          // A guard folder is a held lock; only a long-abandoned one goes.
          if (await this.removeStaleGuard(path)) removedAny = true;
          else left++;
        } else if (await this.sweepDir(kind, path, tally, false)) {
          removedAny = true;
        } else {
          left++;
        }
      } else if (entry.isFile()) {
        if (await this.sweepFile(kind, path, tally)) removedAny = true;
        else left++;
      } else {
        left++; // symlinks and others are left alone
      }
    }
    if (isRoot || left > 0) return false;
    // Empty: remove it if it was old already or we just emptied it (a writer's atomicWrite recreates it).
    if (!removedAny && before.mtimeMs >= this.cutoff) return false;
    if (this.dryRun) {
      this.result.removedDirs++;
      return true;
    }
    const removed = await rmdir(dir).then(() => true, () => false);
    if (removed) this.result.removedDirs++;
    return removed;
  }

  private async sweepFile(kind: string, path: string, tally: KindTally): Promise<boolean> {
    const info = await lstat(path).catch(() => undefined);
    if (!info) return true; // gone meanwhile
    let removed = false;
    if (info.mtimeMs < this.cutoff) {
      if (kind === 'leases' && path.endsWith('.json')) removed = await this.removeLease(path);
      else removed = this.dryRun || (await removeIfStillOld(path, this.cutoff));
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

  private async removeLease(path: string): Promise<boolean> {
    if (this.dryRun) {
      const lease = await readLeaseFile(path);
      return !(lease && lease.expiresAt > this.now);
    }
    return removeLeaseFileIfExpired(path, this.now);
  }

  private async removeStaleGuard(path: string): Promise<boolean> {
    const info = await stat(path).catch(() => undefined);
    if (!info || info.mtimeMs >= this.cutoff) return false;
    if (!this.dryRun && !(await rmdir(path).then(() => true, () => false))) return false;
    this.result.removedDirs++;
    return true;
  }
}

/**
 * Moves the file aside, then checks it again: if a writer touched it in between (putJson
 * reusing a blob), it goes back; if a writer replaced it, the new file is already in place.
 */
async function removeIfStillOld(path: string, cutoff: number): Promise<boolean> {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.sweeping`;
  try {
    await rename(path, aside);
  } catch {
    return false;
  }
  const info = await lstat(aside).catch(() => undefined);
  if (info && info.mtimeMs >= cutoff) {
    // link fails if a writer already recreated the file; either way the content is in place.
    await link(aside, path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
    return false;
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

function formatHours(ms: number): string {
  const hours = ms / HOUR_MS;
  return `${Number.isInteger(hours) ? hours : hours.toFixed(2)} h`;
}
