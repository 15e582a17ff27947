import type { ActivityDeps } from './activity-deps.js';
import { beforeToolHookActivity } from './before-tool-hook.js';
import { buildPromptActivity } from './build-prompt.js';
import { deliverChannelMessageActivity } from './deliver-channel-message.js';
import { executeToolActivity } from './execute-tool.js';
import { llmChatActivity } from './llm-chat.js';
import { recordTurnActivity, releaseSessionActivity } from './record-turn.js';
import { createSessionActivities, type SessionActivities } from './session-activities.js';

/** The activities a worker registers, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    buildPrompt: buildPromptActivity(deps),
    llmChat: llmChatActivity(deps),
    executeTool: executeToolActivity(deps),
    recordTurn: recordTurnActivity(deps),
    releaseSession: releaseSessionActivity(deps),
    // Session workflows: /new, the cron tool, messages from schedules and subagents.
    ...createSessionActivities(deps),
    // Session workflows: replies to chats of channel adapters (docs/channels.md).
    deliverChannelMessage: deliverChannelMessageActivity(deps),
    // User hooks in durable turns (the workflow calls it only when the worker has a beforeTool hook).
    beforeToolHook: beforeToolHookActivity(deps),
  };
}

/** The hook activities (workflows proxy them apart from the turn's own). */
export interface HookActivities {
  beforeToolHook: ReturnType<typeof beforeToolHookActivity>;
}

/** The turn's activities (what ActivityExecutor proxies); the session ones are `SessionActivities`. */
export type AgentActivities = Omit<ReturnType<typeof createActivities>, keyof SessionActivities | keyof ChannelActivities | keyof HookActivities>;
export interface ChannelActivities {
  deliverChannelMessage: ReturnType<typeof deliverChannelMessageActivity>;
}
export type { SessionActivities } from './session-activities.js';
export type { ActivityDeps, LlmDefaults } from './activity-deps.js';
export type { BuiltPrompt } from './build-prompt.js';
export type { RecordedTurn } from './record-turn.js';
export type { ExecuteToolInput } from './execute-tool.js';
export type { LlmChatInput } from './llm-chat.js';
