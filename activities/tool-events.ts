import { oneLine, type Delivery } from '../src/core/index.js';
import type { ActivityDeps } from './activity-deps.js';
import type { ExecuteToolInput } from './execute-tool.js';

/** Tool progress lines are published at most this often (a chatty command would flood readers). */
const PROGRESS_EVERY_MS = 250;
/** The chat id of the `session` channel is a session id: `message` to it reaches that session's stream. */
export const SESSION_CHANNEL = 'session';

/**
 * What one tool call publishes to the session's event stream: when it starts, its progress,
 * when it ends, and the `message` tool's deliveries (to this session's stream, or to the one the
 * target chat belongs to). Without an event stream every call is a no-op.
 */
export function toolEvents(deps: ActivityDeps, req: ExecuteToolInput) {
  const events = deps.events;
  const { sessionId, turnId, call } = req;
  let lastProgressAt = 0;
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const send = (detail: string): void => {
    lastProgressAt = Date.now();
    chain = chain.then(() => events?.publish(sessionId, { type: 'progress', turnId, phase: 'tool', callId: call.id, tool: call.name, detail: oneLine(detail, 200) }));
  };
  return {
    async started(): Promise<void> {
      const first = Object.values(call.arguments)[0];
      await events?.publish(sessionId, {
        type: 'tool_started',
        turnId,
        callId: call.id,
        name: call.name,
        ...(first === undefined ? {} : { firstArg: oneLine(first, 60) }),
      });
    },
    progress(detail: string): void {
      if (!events) return;
      const wait = lastProgressAt + PROGRESS_EVERY_MS - Date.now();
      if (wait <= 0 && !timer) return send(detail);
      pending = detail;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending !== undefined) send(pending);
        pending = undefined;
      }, Math.max(wait, 0));
    },
    /** Stops the progress timer and waits for what is on its way. */
    async settle(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await chain;
    },
    async finished(isError: boolean, preview: string): Promise<void> {
      await events?.publish(sessionId, { type: 'tool_finished', turnId, callId: call.id, name: call.name, isError, preview });
    },
    /** The chat the call answers: the turn's, else (with a stream to deliver to) the session itself. */
    chat: req.channel && req.chatId ? { channel: req.channel, chatId: req.chatId } : events ? { channel: SESSION_CHANNEL, chatId: sessionId } : { channel: req.channel, chatId: req.chatId },
    deliver: events
      ? async (delivery: Delivery): Promise<void> => {
          const target = targetSession(req, delivery);
          await events.publish(target, {
            type: 'message',
            turnId,
            content: delivery.content,
            ...(delivery.channel === SESSION_CHANNEL ? {} : { channel: delivery.channel, chatId: delivery.chatId }),
            ...(target === sessionId ? {} : { fromSessionId: sessionId }),
          });
        }
      : undefined,
  };
}

/**
 * The session a delivery belongs to: this one for its own chat, the named session on the
 * `session` channel, else the conventional `<channel>:<chatId>` session of that chat.
 */
export function targetSession(req: Pick<ExecuteToolInput, 'sessionId' | 'channel' | 'chatId'>, delivery: Delivery): string {
  if (delivery.channel === SESSION_CHANNEL) return delivery.chatId;
  // The turn's own chat (by the message tool's default, or named explicitly).
  if (delivery.channel === req.channel && delivery.chatId === req.chatId) return req.sessionId;
  return `${delivery.channel}:${delivery.chatId}`;
}
