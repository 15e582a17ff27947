// Measures whether the event loop stayed free while some work ran (for tests of work that must
// happen off the main thread). Import from test files only.

export interface EventLoopWatch<T> {
  value: T;
  /** How long the work took. */
  ms: number;
  /** Times a 10 ms interval fired meanwhile. */
  ticks: number;
  /** Longest time between two ticks: work that held the loop shows up as one long gap. */
  longestGap: number;
}

export async function watchEventLoop<T>(work: () => Promise<T>): Promise<EventLoopWatch<T>> {
  let ticks = 0;
  let last = performance.now();
  let longestGap = 0;
  const interval = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const start = performance.now();
  try {
    const value = await work();
    const end = performance.now();
    return { value, ms: end - start, ticks, longestGap: Math.max(longestGap, end - last) };
  } finally {
    clearInterval(interval);
  }
}
