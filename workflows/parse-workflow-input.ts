import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { findCredentialKey, whereCredentialBelongs } from '../src/contract/credentials.js';

/** Validates workflow input; bad input fails the workflow at once with a readable, non-retryable error. */
export function parseWorkflowInput<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  workflow: string,
  /** A minimal valid input, shown when the input is refused. */
  example = '{"sessionId":"s1","message":"hi"}',
): z.infer<T> {
  const credential = findCredentialKey(raw);
  if (credential) {
    throw ApplicationFailure.nonRetryable(
      `${workflow} input must not carry credentials (found "${credential}"). ${whereCredentialBelongs(credential)}`,
      'InvalidInput',
    );
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(input)';
    return `${path}: ${issue.message}`;
  });
  throw ApplicationFailure.nonRetryable(
    `Invalid ${workflow} input: ${problems.join('; ')}. Minimal input: ${example}`,
    'InvalidInput',
  );
}
