// Runs the real command line (`node bin/exoclaw-temporal.js …`) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { within } from '../support/wait.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'exoclaw-temporal.js');

/**
 * A clean environment for the CLI: nothing from the developer's Temporal/provider/exoclaw/nanobot
 * settings leaks in, HOME is a temp dir (no ~/.nanobot config), and workers use the bundle
 * global-setup built once instead of bundling again.
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(TEMPORAL_(?!CLI$)|EXOCLAW_|NANOBOT_|ANTHROPIC_|OPENAI_)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, HOME: home, EXOCLAW_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ...extra };
}

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `stdin: 'pipe'` gives the process a stdin the test writes to (`child.stdin`); default none. */
export function spawnCli(args: string[], env: Record<string, string>, opts: { stdin?: 'pipe' | 'ignore' } = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('close', (code, signal) => {
      resolveExit({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine: (pattern, timeoutMs = 60_000) => {
      const output = (): string => `stdout:\n${out}\nstderr:\n${err.slice(-4000)}`;
      let check = (): void => undefined;
      const line = new Promise<string>((resolveLine, reject) => {
        check = () => {
          const found = out.split('\n').find((l) => pattern.test(l));
          if (found !== undefined) resolveLine(found);
          else if (child.exitCode !== null || child.signalCode !== null) {
            reject(new Error(`exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}.\n${output()}`));
          }
        };
      });
      listeners.add(check);
      check();
      return within(line, `a stdout line matching ${pattern}`, { timeoutMs, detail: output }).finally(() => listeners.delete(check));
    },
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawnCli(args, env);
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Sends `signal` and waits for the exit; kills the process if it has not exited within `timeoutMs`. */
export async function stopCli(proc: CliProcess, signal: NodeJS.Signals, timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  proc.child.kill(signal);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return { ...result, ms: Date.now() - started };
}

/**
 * What a failed worker or `up` said: off a terminal they log JSON, so the message is the `msg`
 * of the last record (a `fatal` one) rather than text with its quotes escaped.
 */
export function failureMessage(stderr: string): string {
  const last = stderr.trim().split('\n').at(-1) ?? '';
  const record = JSON.parse(last) as { level?: unknown; msg?: unknown };
  if (record.level !== 'fatal' || typeof record.msg !== 'string') throw new Error(`the last stderr line is not a fatal record: ${last}`);
  return record.msg;
}
