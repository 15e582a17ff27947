import type { MessageHandle, RecordStep } from '../src/core/index.js';
import { resolveMessages } from '../src/storage/index.js';
import type { ActivityDeps } from './activity-deps.js';

/** What recordTurn returns: readable in the Web UI's event history (a void result shows as an opaque payload). */
export interface RecordedTurn {
  /** e.g. "6 messages" */
  recorded: string;
  sessionId: string;
  /**
   * The recorded messages as the step got them (references, the user message inline). A local run
   * of this step leaves no input in history: a history reader (the Web UI through the codec
   * server) sees the turn here instead.
   */
  messages: MessageHandle[];
}

/** Appends the turn to the session log (idempotent per turn id) and frees the session. */
export function recordTurnActivity(deps: ActivityDeps) {
  return async function recordTurn(req: RecordStep): Promise<RecordedTurn> {
    const messages = await resolveMessages(deps.blobs, req.messages);
    await deps.conversation.record(req.sessionId, req.turnId, messages);
    await deps.leases.release(req.sessionId, req.turnId);
    await afterTurn(deps, req, messages.length);
    return {
      recorded: `${messages.length} message${messages.length === 1 ? '' : 's'}`,
      sessionId: req.sessionId,
      messages: req.messages,
    };
  };
}

/** Frees the session when a turn ends without recording (cancelled or failed). */
export function releaseSessionActivity(deps: ActivityDeps) {
  return async function releaseSession(req: { sessionId: string; turnId: string }): Promise<void> {
    await deps.leases.release(req.sessionId, req.turnId);
  };
}

/** The user's `afterTurn` hook: at least once per recorded turn (again if this step is retried); its failure is only logged. */
async function afterTurn(deps: ActivityDeps, req: RecordStep, messageCount: number): Promise<void> {
  const hook = deps.hooks?.afterTurn;
  if (!hook) return;
  try {
    await hook({ sessionId: req.sessionId, turnId: req.turnId, messageCount });
  } catch (error) {
    deps.logger.warn({ err: error, sessionId: req.sessionId, turnId: req.turnId }, 'afterTurn hook failed; the turn is recorded');
  }
}
