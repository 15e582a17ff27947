// How the project's own errors cross into Temporal: typed from the failure catalogue, retried by category.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { toApplicationFailure, UNREACHABLE_MAX_ATTEMPTS } from '../../activities/application-failure.js';
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

describe('the last attempt of a retried model call', () => {
  const serverError = () => new LLMError('openai (model gpt-4.1): the provider had a server error (500).', { kind: 'server_error', status: 500 });
  const refused = () =>
    new LLMError('openai (model gpt-4.1): could not reach the API at http://127.0.0.1:1234/v1 (connection refused: nothing listens at that address).', {
      kind: 'connection',
      unreachable: true,
    });

  it('says it gave up on the policy’s last attempt, and nothing about retrying before it', () => {
    const middle = failureOf(toApplicationFailure(serverError(), { attempt: 3, maximumAttempts: 10 }));
    expect(middle.message).toBe('openai (model gpt-4.1): the provider had a server error (500).');
    expect(middle.nonRetryable).toBe(false);
    const last = failureOf(toApplicationFailure(serverError(), { attempt: 10, maximumAttempts: 10 }));
    expect(last.message).toBe('openai (model gpt-4.1): the provider had a server error (500). Gave up after 10 attempts.');
    expect(last.message).not.toMatch(/will be retried/i);
  });

  it(`stops a refused connection after ${UNREACHABLE_MAX_ATTEMPTS} attempts instead of the policy's 10, saying why`, () => {
    const early = failureOf(toApplicationFailure(refused(), { attempt: UNREACHABLE_MAX_ATTEMPTS - 1, maximumAttempts: 10 }));
    expect(early.nonRetryable).toBe(false);
    const cut = failureOf(toApplicationFailure(refused(), { attempt: UNREACHABLE_MAX_ATTEMPTS, maximumAttempts: 10 }));
    expect(cut).toMatchObject({ type: 'ConnectionError', nonRetryable: true });
    expect(cut.message).toContain(`Gave up after ${UNREACHABLE_MAX_ATTEMPTS} attempts: a refused connection or unknown host is retried only briefly`);
  });

  it('never cuts a policy that allows fewer attempts short of its own end, and treats 0 as unlimited', () => {
    expect(failureOf(toApplicationFailure(refused(), { attempt: 2, maximumAttempts: 2 }))).toMatchObject({ nonRetryable: true });
    const unlimited = failureOf(toApplicationFailure(serverError(), { attempt: 50, maximumAttempts: 0 }));
    expect(unlimited.nonRetryable).toBe(false);
    expect(unlimited.message).not.toContain('Gave up');
  });

  it('leaves errors that are not retried as they were', () => {
    const rejected = failureOf(toApplicationFailure(new LLMError('bad key', { kind: 'authentication', status: 401 }), { attempt: 1, maximumAttempts: 10 }));
    expect(rejected).toMatchObject({ type: 'AuthenticationFailed', nonRetryable: true, message: 'bad key' });
  });
});
