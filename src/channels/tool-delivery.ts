import { isChannelAdapter } from '../contract/index.js';
import type { Delivery } from '../core/tool.js';
import type { ChannelOutbox } from './channel-outbox.js';

type Deliver = (message: Delivery) => Promise<void>;

/**
 * The `message` tool's delivery on a worker: to a chat of an enabled channel adapter through the
 * outbox, keyed by the tool call (`<turnId>/<callId>`), so a tool call re-run after its worker died
 * sends nothing already sent; then, as for every message, to the session event stream (`toStream`),
 * where readers (chat, the gateway) see it. A chat on a channel this worker cannot reach is an
 * error the model reads, unless the stream alone can take it.
 */
export function withChannelDelivery(toStream: Deliver | undefined, outbox: ChannelOutbox | undefined, key: string, signal?: AbortSignal): Deliver | undefined {
  if (!outbox) return toStream;
  return async (message: Delivery): Promise<void> => {
    const { channel, chatId, content } = message;
    if (isChannelAdapter(channel) && outbox.has(channel)) {
      const result = await outbox.deliver({ channel, chatId, content, kind: 'message', key }, signal);
      if (result.status !== 'delivered') throw new Error(`the message was not delivered: ${result.reason ?? result.status}`);
    } else if (!toStream) {
      throw new Error(`channel "${channel}" is not enabled on this worker; nothing was sent`);
    }
    await toStream?.(message);
  };
}
