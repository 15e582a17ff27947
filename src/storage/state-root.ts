import { copyFile, lstat, mkdir, readdir, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';

/**
 * The state root: the runtime's own files (session logs, blobs, payloads, the tool-call journal,
 * kept tool outputs, leases), apart from the agent's workspace so that nothing the agent runs can
 * read or change them. Earlier versions kept them in the workspace (`sessions/`, `.exoclaw/`);
 * `prepareStateRoot` moves them over once, the first time a worker starts with a state root.
 */

/** Where runtime state lives when no stateDir is configured: beside the workspace, never inside it. */
export function defaultStateDir(workspace: string): string {
  return `${workspace.replace(/\/+$/, '')}.state`;
}

/** Written when the state root is ready; its presence means no migration will ever run again. */
export const LAYOUT_MARKER = '.layout.json';
/** Where earlier versions kept runtime state inside the workspace. */
export const LEGACY_STATE_FOLDER = '.exoclaw';
// Leases are not carried over: they only matter to turns running right now, and a lease left in
// the old place could otherwise hold a session for good.
const LEGACY_KINDS = ['blobs', 'payloads', 'tool-calls', 'tool-outputs'] as const;
const LOCK = '.migrating';
const LOCK_STALE_MS = 10 * 60_000;
const LOCK_WAIT_MS = 5 * 60_000;

export interface MigrationReport {
  /** Files moved into the state root. */
  moved: number;
  /** Entries left in the workspace: links, special files, hard-linked files (never trusted). */
  skipped: string[];
}

/**
 * Creates the workspace and the state root (private to the worker's user) and, once, moves a legacy workspace's
 * runtime state into it. Safe for several workers starting at once: one migrates, the others
 * wait for its marker. A migration cut short resumes where it stopped.
 */
export async function prepareStateRoot(workspace: string, stateDir: string, log?: Logger): Promise<MigrationReport | undefined> {
  await mkdir(workspace, { recursive: true });
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  if (await exists(join(stateDir, LAYOUT_MARKER))) return undefined;
  if (!(await takeLock(stateDir))) return undefined; // another worker migrated meanwhile
  try {
    if (await exists(join(stateDir, LAYOUT_MARKER))) return undefined;
    const report: MigrationReport = { moved: 0, skipped: [] };
    const moves: Array<[string, string]> = [
      [join(workspace, 'sessions'), join(stateDir, 'sessions')],
      ...LEGACY_KINDS.map((kind): [string, string] => [join(workspace, LEGACY_STATE_FOLDER, kind), join(stateDir, kind)]),
    ];
    for (const [from, to] of moves) await moveTree(from, to, report);
    await rmdir(join(workspace, LEGACY_STATE_FOLDER)).catch(() => undefined);
    const marker = { version: 1, createdAt: new Date().toISOString(), migratedFrom: workspace, moved: report.moved, skipped: report.skipped };
    await writeFile(join(stateDir, LAYOUT_MARKER), `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
    if (report.moved > 0 || report.skipped.length > 0) {
      log?.info(
        { workspace, stateDir, moved: report.moved, skipped: report.skipped.length },
        'moved runtime state out of the workspace into the state root',
      );
      for (const entry of report.skipped) log?.warn({ entry }, 'left in the workspace, not moved into the state root: not a plain file');
    }
    return report;
  } finally {
    await rmdir(join(stateDir, LOCK)).catch(() => undefined);
  }
}

/** Moves every plain file and folder under `from` into `to`, never following or moving a link. */
async function moveTree(from: string, to: string, report: MigrationReport): Promise<void> {
  const info = await lstat(from).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) {
    report.skipped.push(from);
    return;
  }
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    const stat = await lstat(source).catch(() => undefined);
    if (!stat) continue;
    if (stat.isDirectory()) {
      await moveTree(source, target, report);
    } else if (stat.isFile() && stat.nlink === 1) {
      // A file already in the state root is newer than the legacy one: keep it.
      if (await exists(target)) await unlink(source);
      else await moveFile(source, target);
      report.moved++;
    } else {
      report.skipped.push(source);
    }
  }
  await rmdir(from).catch(() => undefined); // only when emptied
}

/** Renames a file, or copies and removes it when source and target are on different volumes. */
export async function moveFile(source: string, target: string): Promise<void> {
  try {
    await rename(source, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // Workspace and state on different volumes: copy, then remove the original.
    await copyFile(source, target);
    await unlink(source);
  }
}

async function takeLock(stateDir: string): Promise<boolean> {
  const lock = join(stateDir, LOCK);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(lock);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await exists(join(stateDir, LAYOUT_MARKER))) return false;
    const held = await lstat(lock).catch(() => undefined);
    if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) await rmdir(lock).catch(() => undefined);
    if (Date.now() > deadline) {
      throw new Error(`Another worker has been preparing the state root ${stateDir} for over ${LOCK_WAIT_MS / 60_000} minutes; remove ${lock} if no worker is running.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
