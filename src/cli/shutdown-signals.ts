import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';

/** The signals that mean "stop gracefully": Ctrl-C, a supervisor's stop, and the terminal closing. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly NodeJS.Signals[];

/**
 * SIGINT/SIGTERM/SIGHUP handling for long-running commands. The first signal calls `onFirst`
 * (a graceful stop). A repeat within `duplicateWindowMs` is ignored: Ctrl-C reaches every
 * process in the group and launchers such as `tsx` or npm relay it again, so one keypress
 * can arrive twice. A later one means "stop now" and calls `onForce`.
 * SIGHUP (the terminal was closed, or `kill -HUP`) stops like SIGTERM instead of killing the
 * process on the spot; see `surviveHangUp` for what a closed terminal needs besides.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignals(
  onFirst: (signal: NodeJS.Signals) => void,
  opts: { onForce?: (signal: NodeJS.Signals) => void; duplicateWindowMs?: number } = {},
): () => void {
  let firstAt: number | undefined;
  const window = opts.duplicateWindowMs ?? 2_000;
  const terminals = [0, 1, 2].filter((fd) => isatty(fd)); // asked now: a hung-up terminal no longer answers
  const handler = (signal: NodeJS.Signals): void => {
    if (signal === 'SIGHUP') surviveHangUp(terminals);
    if (firstAt === undefined) {
      firstAt = Date.now();
      onFirst(signal);
      return;
    }
    if (Date.now() - firstAt < window) return;
    if (opts.onForce) opts.onForce(signal);
    else {
      console.error(`${signal} again: exiting without waiting.`);
      process.exit(1);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) process.off(signal, handler);
  };
}

let hungUp = false;

/**
 * After a hang-up, every write to the terminal fails (EIO). Those failures must not end the
 * graceful stop (or its last lines) as an uncaught error, so from now on, for the rest of the
 * process, they are ignored. And Node (before 22.16/24) restores the terminal's settings at exit
 * and aborts (SIGABRT instead of exit code 0) when the terminal is gone; it skips a closed
 * descriptor, so the ones that were a terminal are closed on the way out.
 */
function surviveHangUp(terminals: number[]): void {
  if (hungUp) return;
  hungUp = true;
  process.stdout.on('error', ignoreClosedOutput);
  process.stderr.on('error', ignoreClosedOutput);
  process.once('exit', () => {
    for (const fd of terminals) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}

/** EIO: the terminal was closed; EPIPE: whoever read the output went away. Anything else is real. */
function ignoreClosedOutput(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EIO' && error.code !== 'EPIPE') throw error;
}
