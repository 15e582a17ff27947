import { proxySinks } from '@temporalio/workflow';
import {
  asyncSourceOf,
  type ExoclawSinks,
  type SessionEventBody,
  type SessionReply,
  type TurnOrigin,
} from '../src/contract/index.js';
import type { TurnProgress } from '../src/core/index.js';

const { exoclawEvents } = proxySinks<ExoclawSinks>();

/**
 * Publishes to the session's event stream through a sink: nothing in history, not again on
 * replay, stored by this workflow's worker before it reports the activation (so in order with the
 * events its activities publish).
 */
export function publishEvent(sessionId: string, event: SessionEventBody): void {
  exoclawEvents.publish(sessionId, event);
}

export function publishTurnStarted(sessionId: string, turnId: string, origin: TurnOrigin, messageId?: string): void {
  publishEvent(sessionId, { type: 'turn_started', turnId, origin, ...(messageId ? { messageId } : {}) });
}

export function publishProgress(sessionId: string, turnId: string, progress: TurnProgress): void {
  publishEvent(sessionId, { type: 'progress', turnId, phase: progress.phase });
}

/**
 * A turn's end: its reply (an `async_reply` when a schedule or subagent asked), an `error` when
 * it failed, then `turn_finished`.
 */
export function publishTurnEnd(
  sessionId: string,
  reply: SessionReply & { turnId: string; status: 'completed' | 'stopped' | 'failed' },
  message: { origin: string; source?: string },
): void {
  const { turnId, messageId, status, content } = reply;
  if (status === 'failed') publishEvent(sessionId, { type: 'error', turnId, message: content });
  const source = asyncSourceOf(message);
  if (source) {
    publishEvent(sessionId, { type: 'async_reply', turnId, messageId, source, ...(message.source ? { sourceId: message.source } : {}), status, content });
  } else {
    publishEvent(sessionId, { type: 'reply', turnId, messageId, status, content });
  }
  publishEvent(sessionId, { type: 'turn_finished', turnId, messageId, status, ...(reply.stopReason ? { stopReason: reply.stopReason } : {}) });
}
