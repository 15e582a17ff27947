import { channelSessionId } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import type { SessionClient } from '../../temporal/session-client.js';
import type { TelegramConfig } from '../channel-config.js';
import { InboundGate } from '../inbound-gate.js';
import type { SessionDispatch } from '../session-dispatch.js';
import { TypingIndicator } from '../typing-indicator.js';
import type { TelegramApi } from './telegram-api.js';
import type { TelegramStreamer } from './telegram-streamer.js';
import { inboundFromUpdate, TelegramUpdate } from './telegram-update.js';

/**
 * One Bot API update, however it arrived (polling or webhook): allowed text messages go to their
 * session and show "typing…" while it works (and, with streaming on, the answer as it is
 * written); everything else is dropped. Throws when the message
 * could not be queued, so the update is delivered again (the session answers it once).
 */
export class TelegramInbound {
  private readonly gate: InboundGate;
  private readonly typing: TypingIndicator;

  constructor(
    config: Pick<TelegramConfig, 'allowFrom' | 'rateLimitPerMinute'>,
    api: TelegramApi,
    private readonly dispatch: SessionDispatch,
    sessions: SessionClient,
    logger: Logger,
    signal: AbortSignal,
    private readonly streamer?: TelegramStreamer,
  ) {
    this.gate = new InboundGate({ channel: 'telegram', allowFrom: config.allowFrom, rateLimitPerMinute: config.rateLimitPerMinute, logger });
    this.typing = new TypingIndicator(
      sessions,
      async (chatId, abort) => void (await api.call('sendChatAction', { chat_id: chatId, action: 'typing' }, abort)),
      logger,
      signal,
    );
  }

  async handle(raw: unknown): Promise<void> {
    const update = TelegramUpdate.safeParse(raw);
    const message = update.success ? inboundFromUpdate(update.data) : undefined;
    if (!message) return;
    const sessionId = channelSessionId('telegram', message.chatId);
    const after = await this.streamer?.position(sessionId);
    const outcome = await this.dispatch.dispatch(message, this.gate);
    if (outcome !== 'queued') return;
    this.typing.start(sessionId, message.chatId);
    if (after !== undefined) this.streamer?.follow(sessionId, message.chatId, after);
  }
}
