// `total` timed jobs, `concurrency` at a time, with a progress line every few seconds: the
// shape of every many-turn phase.

export interface LanesOptions {
  total: number;
  concurrency: number;
  /** Checked before each job starts (Ctrl-C). */
  signal: AbortSignal;
  /** Called every `everyMs` with the jobs finished so far (long phases say how far they are). */
  onTick?: (done: number) => void;
  everyMs?: number;
  /** After each finished job, with the count so far. */
  afterJob?: (done: number) => void;
}

/** Runs job(0) … job(total − 1); returns each job's duration in ms (in order of finishing). */
export async function runLanes(opts: LanesOptions, job: (index: number) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  let next = 0;
  let failed = false;
  const ticker = opts.onTick ? setInterval(() => opts.onTick?.(durations.length), opts.everyMs ?? 5_000) : undefined;
  const lane = async (): Promise<void> => {
    while (next < opts.total && !failed) {
      opts.signal.throwIfAborted();
      const index = next++;
      const start = performance.now();
      try {
        await job(index);
      } catch (error) {
        failed = true; // the other lanes finish their job in flight and stop
        throw error;
      }
      durations.push(performance.now() - start);
      opts.afterJob?.(durations.length);
    }
  };
  try {
    await settleAll(Array.from({ length: Math.min(opts.concurrency, opts.total) }, lane));
  } finally {
    clearInterval(ticker);
  }
  return durations;
}

/** Like Promise.all, but waits for every promise before rethrowing the first failure. */
export async function settleAll(promises: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const rejected = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (rejected) throw rejected.reason;
}
