import type { ActivityDeps } from './activity-deps.js';
import { buildPromptActivity } from './build-prompt.js';
import { executeToolActivity } from './execute-tool.js';
import { llmChatActivity } from './llm-chat.js';
import { recordTurnActivity, releaseSessionActivity } from './record-turn.js';

/** The activities a worker registers, built over its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    buildPrompt: buildPromptActivity(deps),
    llmChat: llmChatActivity(deps),
    executeTool: executeToolActivity(deps),
    recordTurn: recordTurnActivity(deps),
    releaseSession: releaseSessionActivity(deps),
  };
}

export type AgentActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps, LlmDefaults } from './activity-deps.js';
export type { ExecuteToolInput } from './execute-tool.js';
export type { LlmChatInput } from './llm-chat.js';
