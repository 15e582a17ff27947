/**
 * SIGINT/SIGTERM handling for long-running commands. The first signal calls `onFirst`
 * (a graceful stop). A repeat within `duplicateWindowMs` is ignored: Ctrl-C reaches every
 * process in the group and launchers such as `tsx` or npm relay it again, so one keypress
 * can arrive twice. A later one means "stop now" and calls `onForce`.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignals(
  onFirst: (signal: NodeJS.Signals) => void,
  opts: { onForce?: (signal: NodeJS.Signals) => void; duplicateWindowMs?: number } = {},
): () => void {
  let firstAt: number | undefined;
  const window = opts.duplicateWindowMs ?? 2_000;
  const handler = (signal: NodeJS.Signals): void => {
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
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
