import { z } from 'zod';
import { platformFetch, retryAfter, sendErrorFor, type ChannelSender, type OutboundPart } from '../channel-adapter.js';

/** Slack truncates very long texts and recommends at most 4,000 characters. */
export const SLACK_MAX_CHARS = 4000;

const SlackAnswer = z.looseObject({ ok: z.boolean(), error: z.string().optional(), ts: z.string().optional() });

/** Slack errors that waiting can fix; every other `ok: false` is final. */
export const SLACK_RETRYABLE_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** A Slack chat id: `<channel>` or `<channel>:<thread_ts>` (a thread is its own session). */
export function splitSlackChatId(chatId: string): { channel: string; threadTs?: string } {
  const at = chatId.indexOf(':');
  return at < 0 ? { channel: chatId } : { channel: chatId.slice(0, at), threadTs: chatId.slice(at + 1) };
}

/** chat.postMessage with the bot token, into the thread the chat id names. */
export class SlackSender implements ChannelSender {
  readonly channel = 'slack' as const;
  readonly maxMessageChars = SLACK_MAX_CHARS;

  constructor(private readonly config: { apiBase: string; botToken: string }) {}

  async send(part: OutboundPart, signal?: AbortSignal): Promise<{ platformId?: string }> {
    const { channel, threadTs } = splitSlackChatId(part.chatId);
    const response = await platformFetch('Slack', `${this.config.apiBase.replace(/\/+$/, '')}/chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${this.config.botToken}` },
      body: JSON.stringify({ channel, text: part.text, ...(threadTs ? { thread_ts: threadTs } : {}) }),
      signal: signal ?? null,
    });
    if (!response.ok) throw sendErrorFor('Slack', response.status, response.statusText, retryAfter(response));
    const answer = SlackAnswer.safeParse(await response.json().catch(() => undefined));
    if (!answer.success) throw sendErrorFor('Slack', 502, 'chat.postMessage: not a Slack answer');
    if (!answer.data.ok) {
      const error = answer.data.error ?? 'unknown_error';
      throw sendErrorFor('Slack', SLACK_RETRYABLE_ERRORS.has(error) ? 503 : 400, `chat.postMessage: ${error}`, retryAfter(response));
    }
    return answer.data.ts ? { platformId: answer.data.ts } : {};
  }
}
