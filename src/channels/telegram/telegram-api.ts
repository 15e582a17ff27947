import { z } from 'zod';
import { platformFetch, sendErrorFor } from '../channel-adapter.js';

const BotApiAnswer = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  description: z.string().optional(),
  error_code: z.number().optional(),
  parameters: z.looseObject({ retry_after: z.number().optional() }).optional(),
});

/**
 * The few Bot API methods the adapter uses, over fetch. The token is part of every URL, so URLs
 * are never logged or put in errors.
 */
export class TelegramApi {
  constructor(
    private readonly apiBase: string,
    private readonly token: string,
  ) {}

  /** Calls a method; Bot API errors become ChannelSendErrors (429 and 5xx retryable, with retry_after). */
  async call(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<unknown> {
    const response = await platformFetch('Telegram', `${this.apiBase.replace(/\/+$/, '')}/bot${this.token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
      signal: signal ?? null,
    });
    const text = await response.text();
    let answer: z.output<typeof BotApiAnswer>;
    try {
      answer = BotApiAnswer.parse(JSON.parse(text));
    } catch {
      throw sendErrorFor('Telegram', response.ok ? 502 : response.status, `${method}: not a Bot API answer`);
    }
    if (!answer.ok) {
      const status = answer.error_code ?? response.status;
      throw sendErrorFor('Telegram', status, `${method}: ${answer.description ?? 'failed'}`, answer.parameters?.retry_after);
    }
    return answer.result;
  }
}
