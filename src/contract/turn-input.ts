import { z } from 'zod';
import { Duration } from './duration.js';
import { InputLimits } from './input-limits.js';

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

/** A list of tool names (`excludeTools`, `onlyTools`). */
export const ToolNames = z.array(z.string().max(64)).max(256);

/** The model settings a turn or session may name; unset ones default from the worker's config. */
export const ModelSettingsInput = z.object({
  model: z.string().min(1).max(256).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  reasoningEffort: z.string().max(32).nullable().optional(),
});

/**
 * What a turn needs. Only `sessionId` and `message` are required; the rest defaults from the
 * worker's config. Credentials are never part of it: keys live on workers.
 */
export const TurnWorkflowInput = z
  .object({
    sessionId: InputLimits.sessionId,
    message: InputLimits.message,
    channel: z.string().max(128).optional(),
    chatId: z.string().max(256).optional(),
    media: InputLimits.media.optional(),
    /** Text for the system prompt and for tools (`ctx.pluginContext`), per message. */
    pluginContext: InputLimits.pluginContext.optional(),
    ...ModelSettingsInput.shape,
    maxIterations: z.number().int().min(1).max(1000).optional(),
    /** Tools the model must not see in this turn (e.g. subagents get no `spawn`). */
    excludeTools: ToolNames.optional(),
    /** When set, the only tools the model sees (names this worker lacks are ignored). */
    onlyTools: ToolNames.optional(),
    activityOptions: ActivityOptionsInput.optional(),
  })
  .strict();

export type TurnWorkflowInput = z.infer<typeof TurnWorkflowInput>;
