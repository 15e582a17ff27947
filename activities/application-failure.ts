import { ApplicationFailure, type Info } from '@temporalio/activity';
import { LLM_FAILURE_TYPES } from '../src/contract/index.js';
import { ExoclawError, LLMError } from '../src/core/index.js';
import { scrubSecrets } from '../src/logger.js';

/**
 * The project's own errors become ApplicationFailures Temporal can act on, typed from the failure
 * catalogue (`src/contract/failure-types.ts`): `user` failures (bad input or configuration) fail at
 * once with a clear message, `transient` ones are retried, provider errors keeping the provider's
 * Retry-After as the next retry delay. Anything else is rethrown as is.
 */
export function toApplicationFailure(error: unknown, attempt?: AttemptInfo): unknown {
  if (error instanceof LLMError) {
    const last = error.retryable && attempt ? lastAttempt(error, attempt) : undefined;
    const retryable = error.retryable && last === undefined;
    return ApplicationFailure.create({
      message: scrubSecrets(last ? `${error.message} ${last}` : error.message),
      type: LLM_FAILURE_TYPES[error.kind],
      // Stopping early (an unreachable address) needs the flag; at the policy's own last
      // attempt Temporal stops anyway, and says so in the retry state.
      nonRetryable: !error.retryable || (last !== undefined && error.unreachable),
      nextRetryDelay: retryable && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
      details: [{ kind: error.kind, status: error.status ?? null }],
    });
  }
  if (error instanceof ExoclawError) {
    // The class name is its catalogue entry (FAILURE_TYPES). A `bug` is retried like any
    // unexpected error, so a fixed deployment picks the work up again.
    return ApplicationFailure.create({
      message: scrubSecrets(error.message),
      type: error.name,
      nonRetryable: error.category === 'user',
    });
  }
  return error;
}

/** Which attempt this is, and how many the retry policy allows (0 or undefined: unlimited). */
export interface AttemptInfo {
  attempt: number;
  maximumAttempts?: number;
}

/**
 * Attempts for an address where nothing answers (connection refused, unknown host). A wrong port
 * or host name does not heal by waiting, and a hosted API having an outage times out or answers
 * 5xx rather than refusing; a local model server being restarted refuses for a few seconds,
 * which four attempts (about 7 s with the default backoff of 1 s, 2 s, 4 s) cover.
 */
export const UNREACHABLE_MAX_ATTEMPTS = 4;

export function attemptOf(info: Pick<Info, 'attempt' | 'retryPolicy'>): AttemptInfo {
  return { attempt: info.attempt, maximumAttempts: info.retryPolicy?.maximumAttempts };
}

/** "Gave up after N attempts." when this attempt of a retryable error is the last one, else undefined. */
function lastAttempt(error: LLMError, { attempt, maximumAttempts }: AttemptInfo): string | undefined {
  const policyLimit = maximumAttempts && maximumAttempts > 0 ? maximumAttempts : Infinity;
  if (error.unreachable && attempt >= Math.min(UNREACHABLE_MAX_ATTEMPTS, policyLimit)) {
    return (
      `Gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}: a refused connection or unknown host is ` +
      'retried only briefly, since it is a wrong base URL far more often than an outage.'
    );
  }
  if (attempt >= policyLimit) return `Gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}.`;
  return undefined;
}
