/**
 * Typed errors with a stable `name`, so they survive serialisation (Temporal failures carry
 * the name as the failure type) and callers can branch on them.
 */

export type LLMErrorKind =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'conflict'
  | 'bad_request'
  | 'authentication'
  | 'permission'
  | 'not_found'
  | 'context_length'
  | 'invalid_response';

const RETRYABLE_KINDS: ReadonlySet<LLMErrorKind> = new Set([
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'conflict',
]);

export class LLMError extends Error {
  override readonly name: string = 'LLMError';
  readonly kind: LLMErrorKind;
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** provider's Retry-After, when it gave one */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    opts: { kind: LLMErrorKind; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = opts.kind;
    this.status = opts.status;
    this.retryable = RETRYABLE_KINDS.has(opts.kind);
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The prompt does not fit the model's context window. Recoverable via `onContextOverflow`. */
export function isContextOverflow(error: unknown): boolean {
  if (error instanceof LLMError) return error.kind === 'context_length';
  // Errors that crossed a serialisation boundary (e.g. a Temporal ApplicationFailure) keep their type.
  const e = error as { type?: unknown; cause?: { type?: unknown } } | null;
  return e?.type === 'ContextLengthExceeded' || e?.cause?.type === 'ContextLengthExceeded';
}

/** Bad input from a user or client: the message says what was wrong and what to do. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
}

/** The turn was stopped (`/stop`, workflow cancellation). */
export class TurnCancelledError extends Error {
  override readonly name = 'TurnCancelledError';
  constructor(message = 'The turn was cancelled.') {
    super(message);
  }
}

/** Cancellation from any runtime: our own, an AbortSignal, or Temporal's CancelledFailure. */
export function isCancellation(error: unknown): boolean {
  for (let e = error as { name?: unknown; cause?: unknown } | null | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.name === 'TurnCancelledError' || e.name === 'AbortError' || e.name === 'CancelledFailure') return true;
    e = e.cause as typeof e;
  }
  return false;
}
