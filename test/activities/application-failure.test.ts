// How the project's own errors cross into Temporal: typed from the failure catalogue, retried by category.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toApplicationFailure } from '../../activities/application-failure.js';
import { FAILURE_TYPES } from '../../src/contract/failure-types.js';
import { ExoclawError, LLMError, ModelRoutingError, type ErrorCategory } from '../../src/core/errors.js';

function failureOf(error: unknown): ApplicationFailure {
  const failure = toApplicationFailure(error);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

describe('toApplicationFailure', () => {
  it('a routing problem is a non-retryable ModelRoutingError, as the catalogue says', () => {
    const failure = failureOf(new ModelRoutingError('ollama is not configured on this worker: set providers.ollama.apiBase.'));
    expect(failure.type).toBe('ModelRoutingError');
    expect(FAILURE_TYPES[failure.type as keyof typeof FAILURE_TYPES]).toBe('user');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('ollama is not configured on this worker: set providers.ollama.apiBase.');
  });

  it('keeps the LLMError mapping: type by kind, retried when retryable, with Retry-After', () => {
    const limited = failureOf(new LLMError('rate limited', { kind: 'rate_limited', status: 429, retryAfterMs: 7000 }));
    expect(limited).toMatchObject({ type: 'RateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    expect(limited.details).toEqual([{ kind: 'rate_limited', status: 429 }]);
    const rejected = failureOf(new LLMError('bad key', { kind: 'authentication', status: 401 }));
    expect(rejected).toMatchObject({ type: 'AuthenticationFailed', nonRetryable: true });
  });

  it.each<[ErrorCategory, boolean]>([
    ['user', true],
    ['transient', false],
    ['bug', false],
  ])('any other ExoclawError of category %s has nonRetryable %s and its class name as type', (category, nonRetryable) => {
    class SessionBusy extends ExoclawError {
      override readonly name = 'SessionBusy';
      readonly category = category;
    }
    const failure = failureOf(new SessionBusy('busy'));
    expect(failure).toMatchObject({ type: 'SessionBusy', nonRetryable });
  });

  it('scrubs key-shaped text from the message and leaves foreign errors alone', () => {
    const failure = failureOf(new ModelRoutingError('key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789 is wrong'));
    expect(failure.message).not.toContain('abcdefghijklmnop');
    const plain = new Error('not ours');
    expect(toApplicationFailure(plain)).toBe(plain);
  });
});
