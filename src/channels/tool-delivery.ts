import { isChannelAdapter } from '../contract/index.js';
import type { Delivery } from '../core/tool.js';
import type { ChannelOutbox } from './channel-outbox.js';

/**
 * The `message` tool's delivery on a worker: to a chat of an enabled channel adapter, keyed by
 * the tool call (`<turnId>/<callId>`), so a tool call re-run after its worker died sends nothing
 * already sent. A channel this worker cannot reach is an error the model reads.
 */
export function channelToolDelivery(outbox: ChannelOutbox, key: string, signal?: AbortSignal) {
  return async (message: Delivery): Promise<void> => {
    const { channel, chatId, content } = message;
    if (!isChannelAdapter(channel) || !outbox.has(channel)) {
      throw new Error(`channel "${channel}" is not enabled on this worker; nothing was sent`);
    }
    const result = await outbox.deliver({ channel, chatId, content, kind: 'message', key }, signal);
    if (result.status !== 'delivered') throw new Error(`the message was not delivered: ${result.reason ?? result.status}`);
  };
}
