/**
 * The slice of AbortSignal the core relies on. Declared here so the core compiles without
 * DOM or Node typings and runs inside the Temporal workflow sandbox.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
