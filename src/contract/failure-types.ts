import type { ErrorCategory, LLMErrorKind } from '../core/index.js';

/**
 * Every failure type an activity or workflow of this project raises, as Temporal shows it and as
 * callers match on it (`ApplicationFailure.type`), with its category: `user` failures are never
 * retried (the message says what to fix), `transient` ones are.
 */
export const FAILURE_TYPES = {
  InvalidInput: 'user',
  ModelRoutingError: 'user',
  BlobMissing: 'user',
  BlobCorrupted: 'user',
  SessionBusy: 'transient',
  RateLimited: 'transient',
  ServerError: 'transient',
  Timeout: 'transient',
  ConnectionError: 'transient',
  Conflict: 'transient',
  BadRequest: 'user',
  AuthenticationFailed: 'user',
  PermissionDenied: 'user',
  NotFound: 'user',
  ContextLengthExceeded: 'user',
  // A response the provider sent that cannot be understood: as today, not retried.
  InvalidResponse: 'user',
} as const satisfies Record<string, ErrorCategory>;

export type FailureType = keyof typeof FAILURE_TYPES;

/** The failure type of each provider error kind. */
export const LLM_FAILURE_TYPES: Record<LLMErrorKind, FailureType> = {
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

export function isFailureType(name: string): name is FailureType {
  return Object.hasOwn(FAILURE_TYPES, name);
}

/**
 * Failure types no retry can fix: every activity's retry policy lists them, so a user failure an
 * activity raises as a plain error (a missing blob after `gc`, say) ends the step at once.
 */
export const NON_RETRYABLE_FAILURE_TYPES: readonly FailureType[] = (Object.keys(FAILURE_TYPES) as FailureType[]).filter(
  (type) => FAILURE_TYPES[type] === 'user',
);
