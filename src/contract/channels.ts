// Names the channel adapters, the session workflow and the delivery activity share.

/** Channels with an adapter in this runtime: a session message from one of them is answered there. */
export const CHANNEL_ADAPTERS = ['telegram', 'slack', 'webhook'] as const;
export type ChannelAdapterName = (typeof CHANNEL_ADAPTERS)[number];

export function isChannelAdapter(channel: string | undefined): channel is ChannelAdapterName {
  return channel !== undefined && (CHANNEL_ADAPTERS as readonly string[]).includes(channel);
}

/** One conversation per chat: `telegram:12345`, `slack:C123:1700000000.000100`. */
export function channelSessionId(channel: ChannelAdapterName, chatId: string): string {
  return `${channel}:${chatId}`;
}

/**
 * The session message id of a platform message: stable across the platform redelivering it, so
 * the session answers it once (`telegram-<chat>-<message_id>`, `slack-<channel>-<ts>`, …).
 */
export function channelMessageId(channel: ChannelAdapterName, chatId: string, platformMessageId: string): string {
  return `${channel}-${chatId}-${platformMessageId}`;
}

/** What the delivery activity sends: the text and where to; never a token (those live on the worker). */
export interface ChannelDelivery {
  channel: ChannelAdapterName;
  chatId: string;
  content: string;
  /** `reply` (a turn's answer), `message` (the message tool) or `command` (/stop, /new, /help). */
  kind: 'reply' | 'message' | 'command';
  /**
   * Idempotency key: the same key is delivered once (each part of a long text keyed `<key>#<n>`).
   * Derived from the turn id (and tool call id), so a retry or a replay reuses it.
   */
  key: string;
}

/** How one delivery ended: delivered (parts sent now or before) or refused by the platform for good. */
export interface ChannelDeliveryResult {
  status: 'delivered' | 'refused' | 'not-configured';
  parts: number;
  /** The platform's reason for a refusal; never the text. */
  reason?: string;
}
