import { ApplicationFailure } from '@temporalio/activity';
import { LLM_FAILURE_TYPES } from '../src/contract/index.js';
import { ExoclawError, LLMError } from '../src/core/index.js';
import { scrubSecrets } from '../src/logger.js';

/**
 * The project's own errors become ApplicationFailures Temporal can act on, typed from the failure
 * catalogue (`src/contract/failure-types.ts`): `user` failures (bad input or configuration) fail at
 * once with a clear message, `transient` ones are retried, provider errors keeping the provider's
 * Retry-After as the next retry delay. Anything else is rethrown as is.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (error instanceof LLMError) {
    return ApplicationFailure.create({
      message: scrubSecrets(error.message),
      type: LLM_FAILURE_TYPES[error.kind],
      nonRetryable: !error.retryable,
      nextRetryDelay: error.retryable && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
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
