import type { BuildPromptStep, MessageHandle } from '../src/core/index.js';
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
    const pluginContext = [...toolContext, ...(req.extraContext ?? [])];
    const messages = await deps.conversation.buildPrompt(req.sessionId, req.message, {
      channel: req.channel,
      chatId: req.chatId,
      media: req.media,
      pluginContext,
    });
    return { prompt: [await storeMessages(deps.blobs, messages)], maxIterations: deps.maxIterations };
  };
}
