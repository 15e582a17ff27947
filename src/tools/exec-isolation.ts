import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SANDBOX_HOME, baseMountArgs, bwrapArgs, namespaceArgs, systemMountArgs } from './bwrap-args.js';
import { allowListedEnvironment, scrubEnvironment } from './exec-env.js';
import type { Launch } from './process-runner.js';
import { killMarkedProcesses } from './process-sweep.js';

/**
 * How `exec` keeps a command away from the worker that runs it. Chosen once per worker:
 * - `bwrap`: bubblewrap sandbox — own PID, mount, user, IPC, UTS and cgroup namespaces, only the
 *   workspace writable, the worker's files and processes absent, an allow-listed environment;
 *   the PID namespace dies with the call, so nothing outlives it.
 * - `user`: no namespaces, but the command runs as an unprivileged uid (needs a root worker):
 *   it cannot read the worker's environment or signal it; what the call started is swept after it.
 * - `none`: the worker's own user, unisolated. Only when the operator asks for it by name.
 * - `auto` (default): bwrap if a probe run works, else user if the worker is root, else exec is
 *   refused with a clear message.
 * A configured sandbox pod (`tools.exec.sandbox`) replaces all of this: nothing runs on the worker.
 */

export type ExecIsolationMode = 'auto' | 'bwrap' | 'user' | 'none';

/** The operator's choice (the `tools.exec` config section fits this shape). */
export interface ExecIsolationSettings {
  isolation?: ExecIsolationMode;
  /** Commands may use the network (default true). With bwrap, false leaves only a private loopback. */
  network?: boolean;
  /** Host paths made visible read-only inside the bwrap sandbox (toolchains outside /usr, say). */
  readOnlyPaths?: readonly string[];
  /** The unprivileged user of the `user` mode (default 65534, "nobody"). */
  user?: { uid?: number; gid?: number };
  /** The bwrap binary (default: found on PATH). */
  bwrapPath?: string;
}

export type ExecIsolation =
  | {
      kind: 'bwrap';
      bwrap: string;
      network: boolean;
      readOnlyPaths: readonly string[];
      disableUserns: boolean;
      systemMounts: readonly string[];
    }
  /** `fallbackFrom`: why auto did not pick bwrap. */
  | { kind: 'user'; uid: number; gid: number; fallbackFrom?: string }
  | { kind: 'none' }
  | { kind: 'refused'; reason: string };

export type BwrapProbe = { ok: true; path: string; disableUserns: boolean } | { ok: false; reason: string };

export const DEFAULT_EXEC_UID = 65534;
const INSTALL_HINT = 'install the bubblewrap package and allow user namespaces';

const probes = new Map<string, BwrapProbe>();

/** Runs `true` in the same sandbox exec would use; once per binary and network setting per process. */
export function probeBwrap(opts: { bwrapPath?: string; network?: boolean } = {}): BwrapProbe {
  const network = opts.network ?? true;
  const key = `${opts.bwrapPath ?? ''}|${network}`;
  let probe = probes.get(key);
  if (!probe) {
    probe = runProbe(opts.bwrapPath, network);
    probes.set(key, probe);
  }
  return probe;
}

function runProbe(bwrapPath: string | undefined, network: boolean): BwrapProbe {
  const path = bwrapPath ?? findOnPath('bwrap');
  if (!path) return { ok: false, reason: `bwrap is not installed (${INSTALL_HINT})` };
  const attempt = (disableUserns: boolean) =>
    spawnSync(
      path,
      [...namespaceArgs({ network, disableUserns }), ...baseMountArgs(systemMountArgs()), '--remount-ro', '/', '/bin/sh', '-c', 'exit 0'],
      { env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000, encoding: 'utf8' },
    );
  let result = attempt(true);
  let disableUserns = true;
  if (result.status !== 0 && /disable-userns/.test(result.stderr ?? '')) {
    // bubblewrap before 0.8 has no --disable-userns; the rest still holds.
    disableUserns = false;
    result = attempt(false);
  }
  if (result.status === 0) return { ok: true, path, disableUserns };
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    return { ok: false, reason: `${path} was not found (${INSTALL_HINT})` };
  }
  const why = result.error
    ? result.error.message
    : (result.stderr ?? '').trim().split('\n')[0] || `exit status ${String(result.status ?? result.signal)}`;
  return { ok: false, reason: `${path} cannot create its sandbox here: ${why} (${INSTALL_HINT})` };
}

function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/bin', '/bin', '/usr/local/bin']) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The decision itself, from the probe and the worker's uid (kept apart so each branch can be tested). */
export function chooseIsolation(
  settings: ExecIsolationSettings,
  probe: () => BwrapProbe,
  isRoot: boolean,
): ExecIsolation {
  const mode = settings.isolation ?? 'auto';
  const uid = settings.user?.uid ?? DEFAULT_EXEC_UID;
  const gid = settings.user?.gid ?? DEFAULT_EXEC_UID;
  const asUser = (fallbackFrom?: string): ExecIsolation => {
    if (!isRoot) return { kind: 'refused', reason: 'isolation "user" needs a worker running as root (it runs commands as another uid)' };
    if (uid === 0 || gid === 0) return { kind: 'refused', reason: 'tools.exec.user must not be root (uid/gid 0)' };
    return { kind: 'user', uid, gid, ...(fallbackFrom === undefined ? {} : { fallbackFrom }) };
  };
  if (mode === 'none') return { kind: 'none' };
  if (mode === 'user') return asUser();
  const bwrap = probe();
  if (bwrap.ok) {
    return {
      kind: 'bwrap',
      bwrap: bwrap.path,
      network: settings.network ?? true,
      readOnlyPaths: settings.readOnlyPaths ?? [],
      disableUserns: bwrap.disableUserns,
      systemMounts: systemMountArgs(),
    };
  }
  if (mode === 'bwrap') return { kind: 'refused', reason: `isolation "bwrap" is configured, but ${bwrap.reason}` };
  if (isRoot) return asUser(bwrap.reason);
  return {
    kind: 'refused',
    reason: `no isolation is available: ${bwrap.reason}; and the worker is not root, so commands cannot run as another user`,
  };
}

/** The isolation for these settings on this host (the bwrap probe runs at most once per process). */
export function resolveExecIsolation(settings: ExecIsolationSettings = {}): ExecIsolation {
  return chooseIsolation(
    settings,
    () => probeBwrap({ bwrapPath: settings.bwrapPath, network: settings.network ?? true }),
    process.getuid?.() === 0,
  );
}

/** One line for logs: what protects the worker from the commands it runs. */
export function describeExecIsolation(isolation: ExecIsolation): string {
  switch (isolation.kind) {
    case 'bwrap':
      return (
        `bwrap (pid, mount, user, ipc, uts, cgroup namespaces; network ${isolation.network ? 'on' : 'off'}` +
        `${isolation.readOnlyPaths.length ? `; read-only extras ${isolation.readOnlyPaths.join(', ')}` : ''})`
      );
    case 'user':
      return (
        `user (uid ${isolation.uid}, gid ${isolation.gid}; no namespaces` +
        `${isolation.fallbackFrom ? `, because ${isolation.fallbackFrom}` : ''})`
      );
    case 'none':
      return 'none (commands run as the worker\'s own user, unisolated: tools.exec.isolation is "none")';
    case 'refused':
      return `none available, exec is disabled: ${isolation.reason}`;
  }
}

/** What the model is told about where its commands run (part of the tool description). */
export function describeForModel(isolation: ExecIsolation): string {
  switch (isolation.kind) {
    case 'bwrap':
      return (
        'Runs in an isolated sandbox: only the workspace is writable and kept; /tmp and $HOME are empty at each call; ' +
        `system files are read-only; the agent's own processes and files are not visible; network ${isolation.network ? 'on' : 'off'}. ` +
        'The environment holds only PATH, HOME, LANG, TERM, TZ, PWD and variables the operator configured.'
      );
    case 'user':
      return (
        `Runs on the agent host as an unprivileged user (uid ${isolation.uid}); it can write only where that user may. ` +
        'The environment holds only PATH, HOME, LANG, TERM, TZ, PWD and variables the operator configured.'
      );
    case 'none':
      return (
        "Runs on the agent host as the agent's own user, without isolation; variables that look like credentials " +
        'are removed from the environment.'
      );
    case 'refused':
      return 'Currently disabled on this host (no isolation available): every call returns an error.';
  }
}

/** The answer to every exec call on a worker without isolation. */
export function refusalMessage(isolation: { reason: string }): string {
  return (
    `Error: exec is disabled on this worker: ${isolation.reason}. No command was run. ` +
    'The operator can enable it by installing bubblewrap, running the worker as root (commands then run as an ' +
    'unprivileged user), configuring tools.exec.sandbox, or explicitly allowing unisolated commands with ' +
    'tools.exec.isolation "none".'
  );
}

/** How to start one command under `isolation`: the program, its environment, and the cleanup. */
export function prepareLaunch(
  isolation: Exclude<ExecIsolation, { kind: 'refused' }>,
  call: { command: string; cwd: string; workspace: string; extraEnv?: Record<string, string> },
): { env: Record<string, string>; launch?: Launch } {
  const extra = call.extraEnv ?? {};
  switch (isolation.kind) {
    case 'bwrap': {
      const env = allowListedEnvironment(process.env, { HOME: SANDBOX_HOME, PWD: call.cwd }, extra);
      const args = bwrapArgs(
        {
          workspace: realpathSync(call.workspace),
          cwd: call.cwd,
          network: isolation.network,
          readOnlyPaths: isolation.readOnlyPaths,
          disableUserns: isolation.disableUserns,
          systemMounts: isolation.systemMounts,
        },
        call.command,
      );
      // bwrap's own environment is exactly the command's: its init process (pid 1 inside) is
      // visible to the command, so it must carry nothing more. No values go on its command line.
      return { env, launch: { file: isolation.bwrap, args } };
    }
    case 'user': {
      // A marker unique to this call finds its processes again after they left the group.
      const marker = `EXOCLAW_EXEC_CALL=${randomUUID()}`;
      const [name, value] = marker.split('=') as [string, string];
      const env = { ...allowListedEnvironment(process.env, { HOME: '/tmp', PWD: call.cwd }, extra), [name]: value };
      const { uid, gid } = isolation;
      return {
        env,
        launch: { file: '/bin/sh', args: ['-c', call.command], uid, gid, cleanup: () => void killMarkedProcesses(uid, marker) },
      };
    }
    case 'none':
      return { env: scrubEnvironment(process.env, { ...extra, PWD: call.cwd }) };
  }
}

export interface ExecIsolationNotice {
  level: 'info' | 'warn';
  message: string;
}

/**
 * What a worker logs at start-up about exec: the isolation line, plus warnings an operator can act
 * on (a fallback or unisolated mode; a workspace the exec user cannot write; a config file it can read).
 */
export function execIsolationNotices(
  settings: ExecIsolationSettings,
  where: { sandboxUrl?: string; workspace: string; configFile?: string },
): ExecIsolationNotice[] {
  if (where.sandboxUrl) return [{ level: 'info', message: `exec isolation: sandbox pod via ${where.sandboxUrl}` }];
  const isolation = resolveExecIsolation(settings);
  const weak = isolation.kind === 'none' || isolation.kind === 'refused' || (isolation.kind === 'user' && isolation.fallbackFrom);
  const notices: ExecIsolationNotice[] = [
    { level: weak ? 'warn' : 'info', message: `exec isolation: ${describeExecIsolation(isolation)}` },
  ];
  if (isolation.kind === 'user') {
    if (mayAccess(where.workspace, isolation, 0o2) === false) {
      notices.push({
        level: 'warn',
        message:
          `exec runs commands as uid ${isolation.uid}, which cannot write the workspace ${where.workspace}: ` +
          'make it writable for that user (or its group), or set tools.exec.user to a user that can write it',
      });
    }
    if (where.configFile && mayAccess(where.configFile, isolation, 0o4) === true) {
      notices.push({
        level: 'warn',
        message: `exec runs commands as uid ${isolation.uid}, which can read the config file ${where.configFile}: chmod 600 it`,
      });
    }
  }
  return notices;
}

/** Permission bits only (`want` 4 = read, 2 = write): enough for a start-up warning; undefined when unknown. */
function mayAccess(path: string, who: { uid: number; gid: number }, want: number): boolean | undefined {
  try {
    const stat = statSync(path);
    if (stat.uid === who.uid) return ((stat.mode >> 6) & want) === want;
    if (stat.gid === who.gid) return ((stat.mode >> 3) & want) === want;
    return (stat.mode & want) === want;
  } catch {
    return undefined; // not there yet (a workspace is created on first use)
  }
}
