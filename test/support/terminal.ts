// Runs a command on a real pseudo-terminal (python3's pty module: no native Node add-on), then
// closes the terminal as a closed window or a dropped SSH session does. See run-in-terminal.py.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'run-in-terminal.py');

export interface HungUpRun {
  /** The command printed `until` before the hang-up (false: killed after the timeout instead). */
  matched: boolean;
  /** Everything it wrote to the terminal (stdout and stderr, with the terminal's \r\n). */
  output: string;
  exitCode: number | null;
  /** The signal number that ended it, if one did (6 = SIGABRT, 9 = SIGKILL, 11 = SIGSEGV). */
  signal: number | null;
  hangupToExitMs: number;
}

/** Starts `command` on a new terminal, waits for its output to match `until`, then hangs the terminal up. */
export async function runUntilHangUp(
  command: string[],
  opts: { until: RegExp; timeoutMs: number; env: Record<string, string>; cwd?: string },
): Promise<HungUpRun> {
  const args = [SCRIPT, opts.until.source, String(opts.timeoutMs / 1000), ...command];
  const child = spawn('python3', args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`python3 is needed to run a command on a pseudo-terminal (its pty module): ${error.message}`)),
    );
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`run-in-terminal.py failed (exit ${code}):\n${err}`);
  return JSON.parse(out) as HungUpRun;
}
