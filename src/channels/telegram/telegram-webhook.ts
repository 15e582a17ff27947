import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../logger.js';
import type { TelegramConfig } from '../channel-config.js';
import { header, readBody, sendJson } from '../http-request.js';
import { sameSignature } from '../request-signature.js';
import type { TelegramApi } from './telegram-api.js';
import type { TelegramInbound } from './telegram-inbound.js';

export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Registers the webhook with Telegram (`setWebhook` with the secret token), so Telegram POSTs
 * updates to `webhookUrl` instead of serving `getUpdates`. Called at every start: it is
 * idempotent, and a changed URL or secret takes effect.
 */
export async function registerTelegramWebhook(api: TelegramApi, config: { webhookUrl: string; webhookSecret: string }): Promise<void> {
  await api.call('setWebhook', { url: config.webhookUrl, secret_token: config.webhookSecret, allowed_updates: ['message'] });
}

/**
 * `POST <webhookPath>`: one update from Telegram. 401 without the secret-token header, 403 with a
 * wrong one (compared in constant time), 400 for a body that is not JSON, 200 once the update
 * was handled. A failure to queue the message answers 503, and Telegram delivers the update
 * again; the session answers it once (its id comes from the chat's message id).
 */
export function telegramWebhook(config: Pick<TelegramConfig, 'webhookPath'> & { webhookSecret: string }, inbound: TelegramInbound, logger: Logger) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const given = header(request, TELEGRAM_SECRET_HEADER);
    if (given === undefined || given === '') {
      logger.warn({ channel: 'telegram' }, 'telegram webhook refused: no secret token');
      return sendJson(response, 401, { error: `missing ${TELEGRAM_SECRET_HEADER}` });
    }
    if (!sameSignature(given, config.webhookSecret)) {
      logger.warn({ channel: 'telegram' }, 'telegram webhook refused: wrong secret token');
      return sendJson(response, 403, { error: `wrong ${TELEGRAM_SECRET_HEADER}` });
    }
    const body = await readBody(request);
    let update: unknown;
    try {
      update = JSON.parse(body);
    } catch {
      return sendJson(response, 400, { error: 'not a Telegram update' });
    }
    await inbound.handle(update);
    sendJson(response, 200, { ok: true });
  };
}
