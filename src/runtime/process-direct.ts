import type { InboundMessage } from './bus.js';
import { AgentLoop, type AgentLoopOptions, type DirectReply } from './agent-loop.js';

export interface DirectMessageOptions {
  /** Session key; defaults to `${channel}:${chatId}`. */
  sessionId?: string;
  /** Defaults to `cli`. */
  channel?: string;
  /** Defaults to `direct`. */
  chatId?: string;
  /** Defaults to `user`. */
  senderId?: string;
  media?: string[];
  metadata?: Record<string, unknown>;
  /** Overrides the loop's model for this turn. */
  model?: string;
  /** Cancels the turn. */
  signal?: AbortSignal;
}

/** Run on an existing loop (its sessions stay serialised with bus traffic), or standalone. */
export type ProcessDirectOptions = DirectMessageOptions & ({ loop: AgentLoop } | AgentLoopOptions);

/**
 * Runs one message through the agent and returns the reply, with no bus consumer needed
 * (scripts, cron jobs, tests, a one-shot CLI). `/new` and `/help` are answered as commands.
 * Rejects when the turn fails; a cancelled turn rejects with `TurnCancelledError`.
 */
export async function processDirect(message: string, opts: ProcessDirectOptions): Promise<DirectReply> {
  const loop = 'loop' in opts ? opts.loop : new AgentLoop(opts);
  const channel = opts.channel ?? 'cli';
  const chatId = opts.chatId ?? 'direct';
  const inbound: InboundMessage = {
    channel,
    chatId,
    senderId: opts.senderId ?? 'user',
    content: message,
  };
  if (opts.media) inbound.media = opts.media;
  if (opts.metadata) inbound.metadata = opts.metadata;
  if (opts.sessionId) inbound.sessionKey = opts.sessionId;
  return loop.process(inbound, { model: opts.model, signal: opts.signal });
}
