import { z } from 'zod';
import type { ChannelSender, OutboundPart } from '../channel-adapter.js';
import { TelegramApi } from './telegram-api.js';

/** Telegram's limit for one message's text. */
export const TELEGRAM_MAX_CHARS = 4096;

const SentMessage = z.looseObject({ message_id: z.number() });

/** Sends plain text (no parse mode: a model's stray `*` must not make Telegram refuse the message). */
export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;
  readonly maxMessageChars = TELEGRAM_MAX_CHARS;
  private readonly api: TelegramApi;

  constructor(config: { apiBase: string; token: string }) {
    this.api = new TelegramApi(config.apiBase, config.token);
  }

  async send(part: OutboundPart, signal?: AbortSignal): Promise<{ platformId?: string }> {
    const result = await this.api.call('sendMessage', { chat_id: part.chatId, text: part.text }, signal);
    const sent = SentMessage.safeParse(result);
    return sent.success ? { platformId: String(sent.data.message_id) } : {};
  }
}
