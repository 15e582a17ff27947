import { spawn } from 'node:child_process';
import type { AbortSignalLike } from '../core/abort.js';
import { oneLine } from '../core/text.js';
import { HeadTailBuffer } from './head-tail-buffer.js';

/**
 * Runs one shell command the way `exec` needs it: `/bin/sh -c` in its own process group, so a
 * timeout, a cancellation or the end of the command takes every process it started with it
 * (including `sleep 600 &`). Output is kept as head + tail in bounded memory.
 *
 * A child that leaves the group on purpose (`setsid`, double fork into a new session) escapes
 * the group kill; an isolation `launch` (bubblewrap's PID namespace, or `cleanup` sweeping what the
 * call started) is what catches it.
 */

export interface RunOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** Bytes of stdout (and separately stderr) kept, as head + tail. */
  maxOutputBytes: number;
  signal?: AbortSignalLike;
  /** Called every `progressIntervalMs` with elapsed time and the last output line. */
  onProgress?: (detail: string) => void;
  progressIntervalMs?: number;
  /** Time between SIGTERM and SIGKILL (default 1 s). */
  killGraceMs?: number;
  /** Kill the command once it has written this much in total (default 256 MB): `yes` ends. */
  killAfterOutputBytes?: number;
  /** How to start the command (default `/bin/sh -c command`): e.g. bwrap around the shell, or another uid. */
  launch?: Launch;
}

/** A program that runs the command (it must exit when the command does), optionally as another user. */
export interface Launch {
  file: string;
  args: string[];
  uid?: number;
  gid?: number;
  /** Runs (synchronously) once the command has ended or been killed, and on process exit. */
  cleanup?: () => void;
}

/** JSON-serialisable: the sandbox runner sends exactly this over HTTP. */
export interface ProcessResult {
  exitCode: number | null;
  /** Signal that ended the shell, if any. */
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  /** Some output was cut from the middle. */
  truncated: boolean;
  timedOut: boolean;
  cancelled: boolean;
  /** Killed for writing more than `killAfterOutputBytes`. */
  outputLimitExceeded: boolean;
  durationMs: number;
  /** The launched process's pid (the shell, or bwrap around it), which is also the process group id. */
  pid: number | null;
  /** Set when the shell could not be started at all. */
  spawnError?: string;
}

const DEFAULT_KILL_GRACE_MS = 1000;
const DEFAULT_KILL_AFTER_OUTPUT = 256 * 1024 * 1024;

/**
 * Process groups still running. A detached group would outlive this process, so when the worker
 * exits (normally or after SIGTERM handling) they are killed on the way out. SIGKILL of the
 * worker skips this (a bubblewrap sandbox still dies with its parent); the retried activity then
 * reports the interrupted attempt instead.
 */
const activeGroups = new Map<number, (() => void) | undefined>();
let exitHookInstalled = false;

function trackGroup(pid: number, cleanup: (() => void) | undefined): void {
  activeGroups.set(pid, cleanup);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [group, groupCleanup] of activeGroups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // already gone
      }
      runCleanup(groupCleanup);
    }
  });
}

function runCleanup(cleanup: (() => void) | undefined): void {
  try {
    cleanup?.();
  } catch {
    // best effort: the command's result still counts
  }
}

export function runProcess(opts: RunOptions): Promise<ProcessResult> {
  const started = Date.now();
  const stdout = new HeadTailBuffer(opts.maxOutputBytes);
  const stderr = new HeadTailBuffer(opts.maxOutputBytes);
  const grace = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const killAfter = opts.killAfterOutputBytes ?? DEFAULT_KILL_AFTER_OUTPUT;

  const result = (fields: Partial<ProcessResult>): ProcessResult => ({
    exitCode: null,
    signal: null,
    stdout: stdout.toString(),
    stderr: stderr.toString(),
    stdoutBytes: stdout.totalBytes,
    stderrBytes: stderr.totalBytes,
    truncated: stdout.truncated || stderr.truncated,
    timedOut: false,
    cancelled: false,
    outputLimitExceeded: false,
    durationMs: Date.now() - started,
    pid: null,
    ...fields,
  });

  if (opts.signal?.aborted) return Promise.resolve(result({ cancelled: true }));

  return new Promise<ProcessResult>((resolve) => {
    const launch = opts.launch ?? { file: '/bin/sh', args: ['-c', opts.command] };
    const child = spawn(launch.file, launch.args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // own process group: -pid reaches every descendant that stays in it
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(launch.uid === undefined ? {} : { uid: launch.uid }),
      ...(launch.gid === undefined ? {} : { gid: launch.gid }),
    });
    const pid = child.pid ?? null;
    if (pid !== null) trackGroup(pid, launch.cleanup);
    let timedOut = false;
    let cancelled = false;
    let outputLimitExceeded = false;
    let terminating = false;
    let exit: { code: number | null; signal: string | null } | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];

    const killGroup = (sig: NodeJS.Signals): void => {
      if (pid === null) return;
      try {
        process.kill(-pid, sig);
      } catch {
        // ESRCH: the group is already gone
      }
    };
    const terminate = (): void => {
      if (terminating) return;
      terminating = true;
      killGroup('SIGTERM');
      timers.push(setTimeout(() => killGroup('SIGKILL'), grace));
    };
    const finish = (spawnError?: string): void => {
      if (settled) return;
      settled = true;
      killGroup('SIGKILL'); // whatever is left of the group (background children) goes too
      runCleanup(launch.cleanup);
      if (pid !== null) activeGroups.delete(pid);
      for (const t of timers) clearTimeout(t);
      clearInterval(progress);
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(
        result({
          exitCode: exit?.code ?? null,
          signal: exit?.signal ?? null,
          timedOut,
          cancelled,
          outputLimitExceeded,
          pid,
          ...(spawnError === undefined ? {} : { spawnError }),
        }),
      );
    };

    const onAbort = (): void => {
      cancelled = true;
      terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    timers.push(
      setTimeout(() => {
        timedOut = true;
        terminate();
      }, opts.timeoutMs),
    );

    const interval = opts.progressIntervalMs ?? 1000;
    const progress = setInterval(() => {
      if (!opts.onProgress) return;
      const seconds = Math.round((Date.now() - started) / 1000);
      const last = stdout.lastLine() || stderr.lastLine();
      try {
        opts.onProgress(`running ${seconds}s${last ? `: ${oneLine(last, 120)}` : ''}`);
      } catch {
        // a failing progress sink must not break the command
      }
    }, interval);

    const collect = (buffer: HeadTailBuffer) => (chunk: Buffer) => {
      buffer.push(chunk);
      if (stdout.totalBytes + stderr.totalBytes > killAfter && !outputLimitExceeded) {
        outputLimitExceeded = true;
        terminate();
      }
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));

    child.on('error', (error) => {
      // Only spawn failures land here (bad cwd, no /bin/sh); the command itself never ran.
      finish(error.message);
    });
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig };
      // The shell is gone; its background children must not outlive it. Give them the same
      // SIGTERM-then-SIGKILL; `close` (all pipes shut) or the grace period ends the wait.
      killGroup('SIGTERM');
      timers.push(setTimeout(() => finish(), grace));
    });
    child.on('close', () => finish());
  });
}
