import { z } from 'zod';
import { ChannelSendError, type ChannelSender, type OutboundPart } from '../channel-adapter.js';
import { TelegramApi } from './telegram-api.js';

/** Telegram's limit for one message's text. */
export const TELEGRAM_MAX_CHARS = 4096;

const SentMessage = z.looseObject({ message_id: z.number() });

/** How an edit of an existing message ended: done (or already so), or the message cannot be edited. */
export type EditOutcome = 'edited' | 'gone';

/**
 * Edits a message's text. Telegram answers 400 "message is not modified" when the text is
 * already that (a retried edit): that is success. Other refusals (the message was deleted, is too
 * old to edit) mean it is `gone`; 429 and 5xx are thrown, retryable.
 */
export async function editTelegramMessage(api: TelegramApi, chatId: string, messageId: string, text: string, signal?: AbortSignal): Promise<EditOutcome> {
  try {
    await api.call('editMessageText', { chat_id: chatId, message_id: Number(messageId), text }, signal);
    return 'edited';
  } catch (error) {
    if (!(error instanceof ChannelSendError) || error.retryable) throw error;
    return /message is not modified/i.test(error.message) ? 'edited' : 'gone';
  }
}

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

  edit(part: OutboundPart, platformId: string, signal?: AbortSignal): Promise<EditOutcome> {
    return editTelegramMessage(this.api, part.chatId, platformId, part.text, signal);
  }
}
