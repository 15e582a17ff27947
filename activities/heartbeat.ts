import { Context } from '@temporalio/activity';

/**
 * Heartbeats on a timer while an activity works, with the latest progress as details, so a
 * dead worker is noticed within the heartbeat timeout and cancellation reaches the activity
 * (Temporal delivers cancellation only to activities that heartbeat).
 */
export function keepAlive(details: () => unknown, intervalMs = 1000): { stop(): void } {
  const ctx = Context.current();
  ctx.heartbeat(details());
  const timer = setInterval(() => ctx.heartbeat(details()), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Throws the cancellation if the activity was cancelled (so Temporal records it as cancelled). */
export function throwIfCancelled(): void {
  const signal = Context.current().cancellationSignal;
  if (signal.aborted) throw signal.reason ?? new Error('Activity cancelled');
}
