import type { RecordStep } from '../src/core/index.js';
import { resolveMessages } from '../src/storage/index.js';
import type { ActivityDeps } from './activity-deps.js';

/** What recordTurn returns: readable in the Web UI's event history (a void result shows as an opaque payload). */
export interface RecordedTurn {
  /** e.g. "6 messages" */
  recorded: string;
  sessionId: string;
}

/** Appends the turn to the session log (idempotent per turn id) and frees the session. */
export function recordTurnActivity(deps: ActivityDeps) {
  return async function recordTurn(req: RecordStep): Promise<RecordedTurn> {
    const messages = await resolveMessages(deps.blobs, req.messages);
    await deps.conversation.record(req.sessionId, req.turnId, messages);
    await deps.leases.release(req.sessionId, req.turnId);
    return { recorded: `${messages.length} message${messages.length === 1 ? '' : 's'}`, sessionId: req.sessionId };
  };
}

/** Frees the session when a turn ends without recording (cancelled or failed). */
export function releaseSessionActivity(deps: ActivityDeps) {
  return async function releaseSession(req: { sessionId: string; turnId: string }): Promise<void> {
    await deps.leases.release(req.sessionId, req.turnId);
  };
}
