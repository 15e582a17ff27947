import type { AbortSignalLike } from '../core/abort.js';

/**
 * One real AbortSignal that fires when any of the given signals (the tool context's, a timeout's)
 * fires. APIs such as fetch and the MCP client need a real AbortSignal; the core hands tools the
 * structural `AbortSignalLike`.
 */
export interface LinkedSignal {
  signal: AbortSignal;
  /** Detaches the listeners; call when the work is done. */
  dispose(): void;
}

export function linkSignals(...signals: Array<AbortSignalLike | undefined>): LinkedSignal {
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];
  for (const source of signals) {
    if (!source) continue;
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    const onAbort = (): void => controller.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => source.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    dispose: () => {
      for (const cleanup of cleanups) cleanup();
    },
  };
}

/** True when an error is the result of an abort (ours or the platform's). */
export function isAbortError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}
