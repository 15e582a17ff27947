import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { WebhookConfig } from '../channel-config.js';
import { header, readBody, sendJson } from '../http-request.js';
import { InboundGate } from '../inbound-gate.js';
import { ReplayGuard } from '../replay-guard.js';
import type { SessionDispatch } from '../session-dispatch.js';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, webhookSignatureProblem } from './webhook-signature.js';

const Id = z.string().min(1).max(128).regex(/^[\w.:@-]+$/, 'letters, digits and . : @ _ - only');

/** An inbound webhook message. */
export const WebhookMessage = z.strictObject({
  chatId: Id,
  senderId: Id,
  /** Your id of this message: sending it again is answered once. */
  messageId: Id,
  text: z.string().min(1).max(100_000),
});

/**
 * `POST <path>`: a message signed with HMAC-SHA256 over `<timestamp>.<body>`. 401 for a missing,
 * bad or stale signature (outside 5 minutes), 409 for the same signed request again, 400 for a
 * body that is not a message, 403 for a sender outside `allowFrom`, 429 over the rate limit,
 * 202 when the message is queued for its session.
 */
export function webhookInbound(config: WebhookConfig & { secret: string }, dispatch: SessionDispatch, logger: Logger) {
  const gate = new InboundGate({ channel: 'webhook', allowFrom: config.allowFrom, rateLimitPerMinute: config.rateLimitPerMinute, logger });
  const replays = new ReplayGuard();
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const signature = header(request, WEBHOOK_SIGNATURE_HEADER);
    const problem = webhookSignatureProblem(config.secret, header(request, WEBHOOK_TIMESTAMP_HEADER), signature, body);
    if (problem) {
      logger.warn({ channel: 'webhook', problem }, 'webhook request refused');
      return sendJson(response, 401, { error: `signature refused: ${problem}` });
    }
    if (!replays.firstTime(signature!)) {
      logger.warn({ channel: 'webhook' }, 'webhook request refused: replayed');
      return sendJson(response, 409, { error: 'this signed request was already received; sign a retry anew' });
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return sendJson(response, 400, { error: 'the body is not JSON: send {"chatId","senderId","messageId","text"}' });
    }
    const parsed = WebhookMessage.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      return sendJson(response, 400, { error: `not a message (${problems.join('; ')}); send {"chatId","senderId","messageId","text"}` });
    }
    const { chatId, senderId, messageId, text } = parsed.data;
    const outcome = await dispatch.dispatch({ channel: 'webhook', chatId, senderId, platformMessageId: messageId, text }, gate);
    if (outcome === 'not-allowed') return sendJson(response, 403, { error: 'sender not allowed (channels.webhook.allowFrom)' });
    if (outcome === 'rate-limited') return sendJson(response, 429, { error: 'too many messages from this chat' }, { 'retry-after': '60' });
    sendJson(response, 202, { queued: true, sessionId: `webhook:${chatId}` });
  };
}
