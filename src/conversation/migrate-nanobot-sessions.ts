import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputLimits } from '../contract/input-limits.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { moveFile, prepareStateRoot } from '../storage/state-root.js';
import { readWorkspaceText } from '../workspace/workspace-text.js';
import { isNanobotSessionHead, parseNanobotSession, type NanobotSession } from './nanobot-session.js';
import { headerLine, messageLine } from './session-records.js';
import { SessionStore } from './session-store.js';

/**
 * Converts nanobot's session files into this runtime's, once, so a conversation continues with
 * its history (memory/ stays where it is: both keep it in the workspace). nanobot files are found
 * in `<workspace>/sessions/` and in `<state>/sessions/`, where a worker's first start moves a
 * legacy workspace's `sessions/` as it is. Each is converted under its session's lock into
 * `<state>/sessions/<safe-id>.jsonl` (the nanobot key is the session id), then moved to
 * `<state>/backups/nanobot-sessions/<time>/`. Running it again does nothing more: a converted
 * session records the file's hash, a file met again is only moved to the backup.
 */

export type MigrationAction =
  /** a new session file made from the nanobot file (or one replacing an earlier conversion nothing has been added to since) */
  | 'convert'
  /** the session already had turns here: the nanobot history goes before them */
  | 'merge'
  /** converted before (same file contents): only moved to the backup */
  | 'already'
  /** converted before from other contents and used since: left in place, see `reason` */
  | 'conflict'
  /** not convertible (a link, too large, a session id this runtime refuses): left in place, see `reason` */
  | 'skip';

export interface SessionMigration {
  /** The nanobot file. */
  source: string;
  location: 'workspace' | 'state';
  action: MigrationAction;
  /** The session id it continues under. */
  key?: string;
  /** This runtime's session file. */
  target?: string;
  /** Messages taken from the nanobot file. */
  messages?: number;
  /** Messages the session already had here (merge). */
  existing?: number;
  /** Of the nanobot messages, how many nanobot had already summarised into memory/. */
  summarised?: number;
  /** Lines of the nanobot file that were not messages (left out). */
  skippedLines?: number;
  /** Where the original went (not in a dry run). */
  backup?: string;
  reason?: string;
}

export interface MigrationResult {
  workspace: string;
  stateDir: string;
  dryRun: boolean;
  /** The folder originals are moved to (created only when something was moved). */
  backupDir: string;
  sessions: SessionMigration[];
}

export interface MigrateOptions {
  workspace: string;
  stateDir: string;
  /** Report what would happen; change nothing. */
  dryRun?: boolean;
  logger?: Logger;
  now?: () => Date;
  /** fdatasync the written files (default true). */
  fsync?: boolean;
}

/** What a converted session's header records, so the same file is never imported twice. */
interface MigratedFrom {
  format: 'nanobot';
  file: string;
  sha256: string;
  messages: number;
  migratedAt: string;
}

/** The largest nanobot session file converted (larger ones are reported and left alone). */
export const MAX_NANOBOT_SESSION_BYTES = 256 * 1024 * 1024;

interface Found {
  root: string;
  location: 'workspace' | 'state';
  name: string;
  path: string;
}

export async function migrateNanobotSessions(opts: MigrateOptions): Promise<MigrationResult> {
  const log = opts.logger ?? sharedLogger();
  const now = opts.now ?? (() => new Date());
  const dryRun = opts.dryRun === true;
  const { workspace, stateDir } = opts;
  const backupDir = join(stateDir, 'backups', 'nanobot-sessions', now().toISOString().replace(/[:.]/g, '-'));
  // A real run leaves the state root as a worker expects it (and moves a legacy sessions/ first).
  if (!dryRun) await prepareStateRoot(workspace, stateDir, log);
  const store = new SessionStore(stateDir, { logger: log, now, fsync: opts.fsync });

  const result: MigrationResult = { workspace, stateDir, dryRun, backupDir, sessions: [] };
  // What a dry run has "written" so far, so a second file for the same session is planned correctly.
  const planned = new Map<string, { migratedFrom: MigratedFrom; total: number }>();
  for (const found of [...(await listCandidates(stateDir, 'state')), ...(await listCandidates(workspace, 'workspace'))]) {
    const entry: SessionMigration = { source: found.path, location: found.location, action: 'skip' };
    const read = await readWorkspaceText(found.root, join('sessions', found.name), MAX_NANOBOT_SESSION_BYTES);
    if (!read.ok) {
      if (read.missing) continue;
      result.sessions.push({ ...entry, reason: `not read: ${read.reason}` });
      continue;
    }
    if (!isNanobotSessionHead(read.text.split('\n', 1)[0] ?? '')) continue; // one of ours
    if (read.truncated) {
      result.sessions.push({ ...entry, reason: `larger than ${MAX_NANOBOT_SESSION_BYTES / 1024 / 1024} MiB; convert it by hand or split it` });
      continue;
    }
    const session = parseNanobotSession(read.text, found.name);
    const key = InputLimits.sessionId.safeParse(session.key);
    if (!key.success) {
      result.sessions.push({ ...entry, key: session.key, reason: `its key cannot be a session id here: ${key.error.issues[0]?.message ?? 'invalid'}` });
      continue;
    }
    const sha256 = createHash('sha256').update(read.text).digest('hex');
    const migratedFrom: MigratedFrom = { format: 'nanobot', file: found.name, sha256, messages: session.messages.length, migratedAt: now().toISOString() };
    const planOnly = async (): Promise<SessionMigration> => {
      const before = planned.get(key.data) ?? (await currentState(store, key.data));
      const plannedEntry = plan(entry, key.data, store.filePath(key.data), session, migratedFrom, before);
      if (plannedEntry.action === 'convert' || plannedEntry.action === 'merge') {
        planned.set(key.data, { migratedFrom, total: session.messages.length + (plannedEntry.existing ?? 0) });
      }
      return plannedEntry;
    };
    const done = dryRun
      ? await planOnly()
      : await store.withLock(key.data, async () => {
          const decided = plan(entry, key.data, store.filePath(key.data), session, migratedFrom, await currentState(store, key.data));
          if (decided.action === 'convert' || decided.action === 'merge') await write(store, key.data, session, migratedFrom, decided);
          return decided;
        });
    if (!dryRun && (done.action === 'convert' || done.action === 'merge' || done.action === 'already')) {
      const backup = join(backupDir, found.location, found.name);
      await mkdir(join(backupDir, found.location), { recursive: true, mode: 0o700 });
      await moveFile(found.path, backup);
      done.backup = backup;
    }
    if (!dryRun && done.action !== 'already') {
      log.info({ source: found.path, sessionId: key.data, action: done.action, messages: done.messages }, 'nanobot session migrated');
    }
    result.sessions.push(done);
  }
  return result;
}

/** The `sessions/*.jsonl` files under a root (its sessions/ must be a real folder); links and the like are reported by the read. */
async function listCandidates(root: string, location: Found['location']): Promise<Found[]> {
  const dir = join(root, 'sessions');
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  const names = (await readdir(dir)).filter((name) => name.endsWith('.jsonl') && !name.startsWith('.')).sort();
  return names.map((name) => ({ root, location, name, path: join(dir, name) }));
}

interface TargetState {
  migratedFrom?: MigratedFrom;
  /** Messages in the session file now. */
  total: number;
}

async function currentState(store: SessionStore, sessionId: string): Promise<TargetState> {
  const snapshot = await store.read(sessionId);
  const migratedFrom = snapshot.header?.metadata['migratedFrom'] as MigratedFrom | undefined;
  return { migratedFrom: migratedFrom?.format === 'nanobot' ? migratedFrom : undefined, total: snapshot.messages.length };
}

function plan(
  entry: SessionMigration,
  key: string,
  target: string,
  session: NanobotSession,
  migratedFrom: MigratedFrom,
  before: TargetState,
): SessionMigration {
  const base: SessionMigration = {
    ...entry,
    key,
    target,
    messages: session.messages.length,
    summarised: session.lastConsolidated,
    skippedLines: session.skippedLines,
  };
  if (before.migratedFrom?.sha256 === migratedFrom.sha256) return { ...base, action: 'already' };
  if (before.migratedFrom) {
    // Converted from another version of this session (nanobot went on writing): take the newer
    // one as long as nothing has been added here since; otherwise the two histories would interleave.
    if (before.total === before.migratedFrom.messages) return { ...base, action: 'convert' };
    return {
      ...base,
      action: 'conflict',
      reason:
        `session "${key}" was converted from another version of ${before.migratedFrom.file} (${before.migratedFrom.migratedAt}) and has had turns here since; ` +
        `this file is left in place. To use it instead, remove ${target} (and its .meta.json) and run migrate again.`,
    };
  }
  if (before.total === 0) return { ...base, action: 'convert' };
  return { ...base, action: 'merge', existing: before.total };
}

/** Writes the converted session (nanobot history first, then whatever this runtime already had) and its consolidation state. */
async function write(store: SessionStore, key: string, session: NanobotSession, migratedFrom: MigratedFrom, decided: SessionMigration): Promise<void> {
  const snapshot = await store.read(key);
  const meta = await store.readMeta(key);
  const merging = decided.action === 'merge';
  // Our own lines are kept byte for byte (a torn tail left by a crash is dropped).
  let ours = '';
  if (merging) {
    const raw = (await readFile(store.filePath(key))).subarray(0, snapshot.validBytes).toString('utf8');
    ours = snapshot.header ? raw.slice(raw.indexOf('\n') + 1) : raw;
  }
  const createdAt = (merging ? snapshot.header?.createdAt : undefined) ?? session.createdAt ?? migratedFrom.migratedAt;
  const metadata = { ...(merging ? snapshot.header?.metadata : {}), ...session.metadata, migratedFrom };
  let content = headerLine(key, createdAt, metadata);
  for (const { message, timestamp, turn } of session.messages) {
    content += messageLine(message, `nanobot-${turn}`, timestamp ?? createdAt);
  }
  content += ours;
  await store.replaceFile(key, content);
  // Already summarised here: everything before it is too. Else nanobot's own pointer.
  const lastConsolidated = merging && meta.lastConsolidated > 0 ? session.messages.length + meta.lastConsolidated : session.lastConsolidated;
  await store.writeMeta(key, { key, lastConsolidated, summaries: merging ? meta.summaries : [] });
}

/**
 * How many nanobot session files wait in the workspace's or the state root's `sessions/` (a cheap
 * check for the worker's start-up warning: only names that are not ours, only their first line).
 */
export async function countNanobotSessions(workspace: string, stateDir: string, limit = 1000): Promise<number> {
  let count = 0;
  for (const [root, location] of [[stateDir, 'state'], [workspace, 'workspace']] as const) {
    for (const found of (await listCandidates(root, location)).slice(0, limit)) {
      if (/-[0-9a-f]{16}\.jsonl$/.test(found.name)) continue; // our naming: <slug>-<hash>.jsonl
      const read = await readWorkspaceText(root, join('sessions', found.name), 64 * 1024);
      if (read.ok && isNanobotSessionHead(read.text.split('\n', 1)[0] ?? '')) count++;
    }
  }
  return count;
}
