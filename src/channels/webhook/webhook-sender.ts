import { platformFetch, retryAfter, sendErrorFor, type ChannelSender, type OutboundPart } from '../channel-adapter.js';
import type { WebhookConfig } from '../channel-config.js';
import { webhookSignatureHeaders } from './webhook-signature.js';

/** The idempotency header of outbound webhook POSTs: a receiver drops a key it has seen. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/**
 * Outbound webhook: POSTs `{ chatId, text, kind, key, part, parts }` as JSON to the configured
 * URL, signed like inbound requests, with `Idempotency-Key: <key>` so a resend after a worker
 * died mid-delivery is recognised by the receiver.
 */
export class WebhookSender implements ChannelSender {
  readonly channel = 'webhook' as const;
  readonly maxMessageChars: number;

  constructor(private readonly config: WebhookConfig & { secret: string; url: string }) {
    this.maxMessageChars = config.maxMessageChars;
  }

  async send(part: OutboundPart, signal?: AbortSignal): Promise<{ platformId?: string }> {
    const body = JSON.stringify({ chatId: part.chatId, text: part.text, kind: part.kind, key: part.key, part: part.part, parts: part.parts });
    const response = await platformFetch('The webhook receiver', this.config.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [IDEMPOTENCY_HEADER]: part.key,
        ...webhookSignatureHeaders(this.config.secret, body),
      },
      body,
      signal: signal ?? null,
    });
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    if (!response.ok) {
      throw sendErrorFor('The webhook receiver', response.status, detail || response.statusText, retryAfter(response));
    }
    return {};
  }
}
