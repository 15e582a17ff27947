import { policyIsActive, type ToolPolicy } from '../src/contract/tool-policy.js';
import type { BuildPromptStep, HookPresence, MessageHandle } from '../src/core/index.js';
import { storeMessages } from '../src/storage/index.js';
import type { ActivityDeps } from './activity-deps.js';
import { sessionBusy } from './session-lease-keeper.js';

/**
 * Takes the session's lease (one turn at a time per session), builds the prompt from the shared
 * volume and stores it as one blob: the workflow gets a reference, not the transcript.
 */
export interface BuiltPrompt {
  prompt: MessageHandle[];
  /** The worker's configured iteration limit (a turn's own limit wins). */
  maxIterations?: number;
  /** The turn's plugin context, stored as a blob for its tool calls (absent when it has none). */
  pluginContextRef?: string;
  /** Tools declared bounded on this worker: the workflow may run them as local activities. */
  boundedTools?: string[];
  /** The worker's tool policy, when it has one: the workflow applies it to each tool call. */
  toolPolicy?: ToolPolicy;
  /** The worker's user hooks the workflow must call (absent when it has none). */
  hooks?: HookPresence;
}

export function buildPromptActivity(deps: ActivityDeps) {
  return async function buildPrompt(req: BuildPromptStep): Promise<BuiltPrompt> {
    const lease = await deps.leases.acquire(req.sessionId, req.turnId);
    if (!lease.acquired) {
      // Retried by Temporal until the running turn records and releases the session.
      throw sessionBusy(req.sessionId, lease.holder.turnId, 'this turn waits for it to finish');
    }
    const toolContext = await deps.tools.systemContexts((tool, error) =>
      deps.logger.warn({ err: error, tool }, 'tool systemContext() failed; its section is left out'),
    );
    const hooked = await beforePromptText(deps, req);
    // The client's per-message context joins the prompt as the reference does, after the tools' own.
    const pluginContext = [...toolContext, ...(req.pluginContext ?? []), ...(req.extraContext ?? []), ...hooked];
    const messages = await deps.conversation.buildPrompt(req.sessionId, req.message, {
      channel: req.channel,
      chatId: req.chatId,
      media: req.media,
      pluginContext,
    });
    const built: BuiltPrompt = { prompt: [await storeMessages(deps.blobs, messages)], maxIterations: deps.maxIterations };
    if (req.pluginContext && req.pluginContext.length > 0) built.pluginContextRef = await deps.blobs.putJson(req.pluginContext);
    const boundedTools = deps.tools.boundedNames();
    if (boundedTools.length > 0) built.boundedTools = boundedTools;
    if (policyIsActive(deps.toolPolicy)) built.toolPolicy = deps.toolPolicy;
    if (deps.hooks?.beforeTool) built.hooks = { beforeTool: true };
    return built;
  };
}

/** The user's `beforePrompt` hook (its failure fails this step, which Temporal retries: the prompt is never built without it). */
async function beforePromptText(deps: ActivityDeps, req: BuildPromptStep): Promise<string[]> {
  const hook = deps.hooks?.beforePrompt;
  if (!hook) return [];
  const { sessionId, turnId, channel, chatId, message } = req;
  const text = await hook({ sessionId, turnId, channel, chatId, message });
  return typeof text === 'string' && text.trim() !== '' ? [text] : [];
}
