/**
 * Typed errors with a stable `name`, so they survive serialisation (Temporal failures carry
 * the name as the failure type) and callers can branch on them.
 */

/**
 * What kind of failure it is, which decides whether retrying can help:
 * - `user`: bad input or configuration; never retried, the message says what to fix;
 * - `transient`: the world was briefly wrong (network, rate limit, a busy session); retried;
 * - `bug`: this program is wrong; reported as is.
 */
export type ErrorCategory = 'user' | 'transient' | 'bug';

/** The base of the project's own errors: a stable `name` (the failure type) and a category. */
export abstract class ExoclawError extends Error {
  abstract readonly category: ErrorCategory;

  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
  }
}

/** The category of any error: ours know theirs; anything else is a bug until shown otherwise. */
export function errorCategory(error: unknown): ErrorCategory {
  if (error instanceof ExoclawError) return error.category;
  return 'bug';
}

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

export class LLMError extends ExoclawError {
  override readonly name: string = 'LLMError';
  readonly kind: LLMErrorKind;
  readonly status: number | undefined;
  readonly retryable: boolean;
  /** provider's Retry-After, when it gave one */
  readonly retryAfterMs: number | undefined;
  /**
   * Nothing answers at the address at all (connection refused, unknown host): a wrong base URL far
   * more often than an outage, so durable runs retry it a few times only (activities/application-failure.ts).
   */
  readonly unreachable: boolean;

  get category(): ErrorCategory {
    return this.retryable ? 'transient' : 'user';
  }

  constructor(
    message: string,
    opts: { kind: LLMErrorKind; status?: number; retryAfterMs?: number; unreachable?: boolean; cause?: unknown },
  ) {
    super(message, opts);
    this.kind = opts.kind;
    this.status = opts.status;
    this.retryable = RETRYABLE_KINDS.has(opts.kind);
    this.retryAfterMs = opts.retryAfterMs;
    this.unreachable = opts.unreachable === true;
  }
}

/** The prompt does not fit the model's context window. Recoverable via `onContextOverflow`. */
export function isContextOverflow(error: unknown): boolean {
  if (error instanceof LLMError) return error.kind === 'context_length';
  // Errors that crossed a serialisation boundary (e.g. a Temporal ApplicationFailure) keep their type.
  const e = error as { type?: unknown; cause?: { type?: unknown } } | null;
  return e?.type === 'ContextLengthExceeded' || e?.cause?.type === 'ContextLengthExceeded';
}

/**
 * A model string that no configured provider serves, or a provider that is not set up (no key,
 * no base URL): the operator's configuration decides, so retrying never helps.
 */
export class ModelRoutingError extends ExoclawError {
  override readonly name = 'ModelRoutingError';
  readonly category = 'user';
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
