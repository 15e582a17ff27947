import { channelMessageId, channelSessionId } from '../contract/index.js';
import type { Logger } from '../logger.js';
import { SessionClient } from '../temporal/session-client.js';
import type { InboundMessage } from './channel-adapter.js';
import type { InboundGate } from './inbound-gate.js';

export type DispatchOutcome = 'queued' | 'not-allowed' | 'rate-limited';

/**
 * The inbound half every adapter shares: an allowed message becomes a `sendMessage` signal
 * (signal-with-start) to the chat's session, its message id derived from the platform's, so a
 * redelivered update is answered once. The reply does not come back here: the session workflow
 * delivers it through the delivery activity (docs/channels.md).
 */
export class SessionDispatch {
  constructor(
    private readonly sessions: SessionClient,
    private readonly logger: Logger,
  ) {}

  async dispatch(message: InboundMessage, gate: InboundGate): Promise<DispatchOutcome> {
    const verdict = gate.check(message);
    if (!verdict.ok) return verdict.reason;
    const sessionId = channelSessionId(message.channel, message.chatId);
    const messageId = channelMessageId(message.channel, message.chatId, message.platformMessageId);
    // The chat is also the session's own (its start input): replies to scheduled jobs and
    // subagents, which arrive with no chat of their own, go there too.
    const { client, taskQueue, settings } = this.sessions;
    const chat = { channel: message.channel, chatId: message.chatId };
    await new SessionClient(client, taskQueue, { ...settings, ...chat }).signal(sessionId, message.text, { messageId, ...chat });
    this.logger.info({ channel: message.channel, chatId: message.chatId, messageId }, 'channel message queued');
    return 'queued';
  }
}
