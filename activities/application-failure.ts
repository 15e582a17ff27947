import { ApplicationFailure } from '@temporalio/activity';
import { LLMError, type LLMErrorKind } from '../src/core/index.js';
import { scrubSecrets } from '../src/logger.js';

/** Failure types as they appear in Temporal (stable names users can match on). */
const FAILURE_TYPES: Record<LLMErrorKind, string> = {
  rate_limited: 'RateLimited',
  server_error: 'ServerError',
  timeout: 'Timeout',
  connection: 'ConnectionError',
  conflict: 'Conflict',
  bad_request: 'BadRequest',
  authentication: 'AuthenticationFailed',
  permission: 'PermissionDenied',
  not_found: 'NotFound',
  context_length: 'ContextLengthExceeded',
  invalid_response: 'InvalidResponse',
};

/**
 * Provider errors become ApplicationFailures Temporal can act on: retryable ones keep the
 * provider's Retry-After as the next retry delay; the rest fail at once with a clear message.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (!(error instanceof LLMError)) return error;
  return ApplicationFailure.create({
    message: scrubSecrets(error.message),
    type: FAILURE_TYPES[error.kind],
    nonRetryable: !error.retryable,
    nextRetryDelay: error.retryable && error.retryAfterMs !== undefined ? error.retryAfterMs : undefined,
    details: [{ kind: error.kind, status: error.status ?? null }],
  });
}
