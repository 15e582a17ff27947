/** Messages between channels and the agent, and the bus that carries them. */

export interface InboundMessage {
  channel: string;
  senderId: string;
  chatId: string;
  content: string;
  media?: string[];
  metadata?: Record<string, unknown>;
  /** overrides the default session key `${channel}:${chatId}` */
  sessionKey?: string;
}

export interface OutboundMessage {
  channel: string;
  chatId: string;
  content: string;
  replyTo?: string;
  media?: string[];
  metadata?: Record<string, unknown>;
}

export function sessionKeyOf(msg: InboundMessage): string {
  return msg.sessionKey ?? `${msg.channel}:${msg.chatId}`;
}

export interface Bus {
  publishInbound(msg: InboundMessage): Promise<void>;
  consumeInbound(): Promise<InboundMessage>;
  publishOutbound(msg: OutboundMessage): Promise<void>;
  consumeOutbound(): Promise<OutboundMessage>;
}
