import { log, patched, proxyActivities } from '@temporalio/workflow';
import { isChannelAdapter, type ChannelDelivery, type SessionReply } from '../src/contract/index.js';
import type { ChannelActivities } from '../activities/index.js';

/**
 * Delivery keeps trying for a day: a platform outage or a worker lost mid-send delays a reply,
 * never drops it. Each attempt heartbeats, so a worker that dies mid-send is noticed in 10 s.
 */
const { deliverChannelMessage } = proxyActivities<ChannelActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Where a message came from: its own channel and chat, else the session's. */
export interface ChannelOrigin {
  channel?: string;
  chatId?: string;
}

/**
 * Sends a session's reply (or a command's answer) back to the chat its message came from, when
 * that chat is on a channel adapter. Awaited before the next message runs, so a chat sees its
 * answers in order. A reply the `message` tool already gave, a stopped turn (the /stop answer
 * says so) and an empty reply are not sent. Delivery failing for good is logged; the session goes on.
 */
export async function deliverReply(origin: ChannelOrigin, reply: SessionReply, key: string): Promise<void> {
  const { channel, chatId } = origin;
  if (!isChannelAdapter(channel) || !chatId) return;
  if (reply.suppressReply || reply.status === 'stopped' || !reply.content.trim()) return;
  // Histories from before channel delivery had no such step here.
  if (!patched('channel-delivery')) return;
  const kind: ChannelDelivery['kind'] = reply.status === 'command' ? 'command' : 'reply';
  try {
    const result = await deliverChannelMessage({ channel, chatId, content: reply.content, kind, key });
    if (result.status !== 'delivered') log.warn('reply not delivered to its chat', { channel, chatId, ...result });
  } catch (error) {
    log.warn('reply delivery gave up', { channel, chatId, error: error instanceof Error ? error.message : String(error) });
  }
}
