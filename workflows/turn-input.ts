import { ApplicationFailure } from '@temporalio/workflow';
import { z } from 'zod';

/** A Temporal duration: milliseconds or a string like '30s', '5m'. */
const Duration = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/, 'use e.g. "30s"')]);

const RetryOptions = z
  .object({
    initialInterval: Duration,
    backoffCoefficient: z.number().min(1),
    maximumInterval: Duration,
    maximumAttempts: z.number().int().min(0),
    nonRetryableErrorTypes: z.array(z.string()),
  })
  .partial()
  .strict();

export const ActivityOverrides = z
  .object({
    startToCloseTimeout: Duration,
    scheduleToCloseTimeout: Duration,
    heartbeatTimeout: Duration,
    retry: RetryOptions,
  })
  .partial()
  .strict();

export const ActivityOptionsInput = z
  .object({
    buildPrompt: ActivityOverrides,
    llmChat: ActivityOverrides,
    executeTool: ActivityOverrides,
    recordTurn: ActivityOverrides,
  })
  .partial()
  .strict();

export type ActivityOptionsInput = z.infer<typeof ActivityOptionsInput>;

/**
 * What a turn needs. Only `sessionId` and `message` are required; the rest defaults from the
 * worker's config. Credentials are never part of it: keys live on workers.
 */
export const TurnWorkflowInput = z
  .object({
    sessionId: z.string().trim().min(1, 'must not be empty').max(256),
    message: z.string().min(1, 'must not be empty').max(1_000_000),
    channel: z.string().max(128).optional(),
    chatId: z.string().max(256).optional(),
    media: z.array(z.string().max(4096)).max(32).optional(),
    model: z.string().min(1).max(256).optional(),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().max(1_000_000).optional(),
    reasoningEffort: z.string().max(32).nullable().optional(),
    maxIterations: z.number().int().min(1).max(1000).optional(),
    /** Tools the model must not see in this turn (e.g. subagents get no `spawn`). */
    excludeTools: z.array(z.string()).optional(),
    activityOptions: ActivityOptionsInput.optional(),
  })
  .strict();

export type TurnWorkflowInput = z.infer<typeof TurnWorkflowInput>;

// Names that hold credentials: apiKey, api_key, secret, password, authorization, credentials,
// token, accessToken, auth_token… but not settings that merely count tokens (maxTokens).
const CREDENTIAL_KEY = /api[-_]?key|secret|passw(or)?d|authorization|credential|token$/i;

/** Validates workflow input; bad input fails the workflow at once with a readable, non-retryable error. */
export function parseWorkflowInput<T extends z.ZodType>(schema: T, raw: unknown, workflow: string): z.infer<T> {
  const credential = findCredentialKey(raw);
  if (credential) {
    throw ApplicationFailure.nonRetryable(
      `${workflow} input must not carry credentials (found "${credential}"). Keys live on the worker: ` +
        'set ANTHROPIC_API_KEY / OPENAI_API_KEY in the worker environment or its config file.',
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
    `Invalid ${workflow} input: ${problems.join('; ')}. Minimal input: {"sessionId":"s1","message":"hi"}`,
    'InvalidInput',
  );
}

function findCredentialKey(value: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof value !== 'object' || value === null) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (CREDENTIAL_KEY.test(key)) return key;
    const nested = findCredentialKey(child, depth + 1);
    if (nested) return `${key}.${nested}`;
  }
  return undefined;
}
