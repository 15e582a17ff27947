// The one way tests wait: poll a check until it holds (`waitUntil`), give a promise a deadline
// (`within`), or let queued callbacks run (`settle`). A timeout says what was awaited, for how
// long, and what was seen last, instead of leaving the test to hang until vitest gives up.
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

type Falsy = false | 0 | '' | null | undefined;

export interface WaitOptions {
  /** How long to wait: waitUntil defaults to 15 s (it polls real servers and processes), within to 3 s. */
  timeoutMs?: number;
  /** Pause between two checks of waitUntil (default 100 ms). */
  intervalMs?: number;
  /** More to show in the timeout error, read when it happens (e.g. a process's output so far). */
  detail?: () => string;
}

/**
 * Calls `check` until it returns a truthy value and resolves with that value. A check that throws
 * counts as not yet (so it may assert or read something that is not there yet). On timeout it
 * rejects naming `what`, the last value or error, and `detail`.
 */
export async function waitUntil<T>(what: string, check: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Exclude<T, Falsy>> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: string;
    let cause: unknown;
    try {
      const value = await check();
      if (value) return value as Exclude<T, Falsy>;
      last = `the last check returned ${show(value)}`;
    } catch (error) {
      cause = error;
      last = `the last check threw ${error instanceof Error ? error.message : show(error)}`;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(what, timeoutMs, [last, opts.detail?.()], cause);
    await sleep(Math.min(opts.intervalMs ?? 100, left));
  }
}

/** Resolves or rejects as `promise` does, or rejects naming `what` if it has not settled in time. */
export async function within<T>(promise: Promise<T>, what: string, opts: Omit<WaitOptions, 'intervalMs'> = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 3_000;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(what, timeoutMs, [opts.detail?.()])), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lets queued promise callbacks and I/O callbacks run (for asserting that nothing more happens). */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function timedOut(what: string, timeoutMs: number, seen: (string | undefined)[], cause?: unknown): Error {
  const lines = [`Timed out after ${timeoutMs} ms waiting for ${what}`, ...seen.filter((s) => s !== undefined && s !== '')];
  return new Error(lines.join('\n'), cause === undefined ? undefined : { cause });
}

function show(value: unknown): string {
  const text = inspect(value, { depth: 2, breakLength: Infinity });
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
