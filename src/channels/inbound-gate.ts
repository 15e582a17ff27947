import type { Logger } from '../logger.js';
import type { InboundMessage } from './channel-adapter.js';

export type GateVerdict = { ok: true } | { ok: false; reason: 'not-allowed' | 'rate-limited' };

/**
 * Who may reach the agent through a channel, and how often: a sender (or chat) must be in the
 * channel's `allowFrom`, and one chat may send at most `rateLimitPerMinute` messages a minute.
 * Refusals are logged with the ids only, never the text, and never reach a session.
 */
export class InboundGate {
  private readonly allowed: Set<string>;
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly opts: { channel: string; allowFrom: readonly string[]; rateLimitPerMinute: number; logger: Logger },
  ) {
    // Telegram @usernames are matched without their @.
    this.allowed = new Set(opts.allowFrom.map((entry) => entry.replace(/^@/, '')));
  }

  check(message: InboundMessage, now: number = Date.now()): GateVerdict {
    const ids = [message.senderId, message.chatId, ...(message.senderAliases ?? [])];
    const where = { channel: this.opts.channel, chatId: message.chatId, senderId: message.senderId };
    if (!ids.some((id) => this.allowed.has(id))) {
      this.opts.logger.warn(where, 'channel message refused: sender not in allowFrom');
      return { ok: false, reason: 'not-allowed' };
    }
    if (this.opts.rateLimitPerMinute > 0 && !this.admit(message.chatId, now)) {
      this.opts.logger.warn({ ...where, perMinute: this.opts.rateLimitPerMinute }, 'channel message refused: rate limit');
      return { ok: false, reason: 'rate-limited' };
    }
    return { ok: true };
  }

  /** A sliding one-minute window per chat. */
  private admit(chatId: string, now: number): boolean {
    const recent = (this.windows.get(chatId) ?? []).filter((at) => now - at < 60_000);
    if (recent.length >= this.opts.rateLimitPerMinute) {
      this.windows.set(chatId, recent);
      return false;
    }
    recent.push(now);
    this.windows.set(chatId, recent);
    if (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value!);
    return true;
  }
}
