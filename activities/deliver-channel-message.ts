import { ApplicationFailure, Context } from '@temporalio/activity';
import { ChannelSendError } from '../src/channels/channel-adapter.js';
import type { ChannelDelivery, ChannelDeliveryResult } from '../src/contract/index.js';
import { scrubSecrets } from '../src/logger.js';
import type { ActivityDeps } from './activity-deps.js';
import { keepAlive } from './heartbeat.js';

/**
 * Delivers a reply or message to a chat through its channel adapter. Retried by Temporal until
 * it lands (429s after the platform's Retry-After); each part is recorded once sent, so a retry
 * on another worker resumes after the last part and resends nothing the record knows of. A
 * platform's final refusal (no such chat, bot blocked) is returned, not retried.
 */
export function deliverChannelMessageActivity(deps: ActivityDeps) {
  return async function deliverChannelMessage(delivery: ChannelDelivery): Promise<ChannelDeliveryResult> {
    const ctx = Context.current();
    if (!deps.channels) {
      return { status: 'not-configured', parts: 0, reason: `no channels are enabled on this worker (channels.${delivery.channel})` };
    }
    const beat = keepAlive(() => ({ phase: 'deliver', channel: delivery.channel }), deps.heartbeatIntervalMs);
    try {
      const result = await deps.channels.deliver(delivery, ctx.cancellationSignal);
      if (result.status !== 'delivered') {
        deps.logger.warn({ channel: delivery.channel, chatId: delivery.chatId, key: delivery.key, ...result }, 'channel delivery refused');
      }
      return result;
    } catch (error) {
      if (error instanceof ChannelSendError) {
        throw ApplicationFailure.create({
          message: scrubSecrets(error.message),
          type: 'ChannelSendFailed',
          nextRetryDelay: error.retryAfterMs,
        });
      }
      throw error;
    } finally {
      beat.stop();
    }
  };
}
