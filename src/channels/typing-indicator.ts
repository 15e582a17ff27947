import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import type { SessionClient } from '../temporal/session-client.js';

/** How often the indicator is renewed (Telegram shows "typing…" for about 5 s). */
const RENEW_MS = 4000;
/** A turn longer than this keeps working, without the indicator. */
const MAX_MS = 10 * 60 * 1000;

/**
 * Shows "typing…" in a chat while its session has work: renewed every 4 s as long as the
 * session's status says a turn runs or messages wait. One loop per chat; best effort.
 */
export class TypingIndicator {
  private readonly active = new Set<string>();

  constructor(
    private readonly sessions: SessionClient,
    private readonly show: (chatId: string, signal: AbortSignal) => Promise<void>,
    private readonly logger: Logger,
    private readonly signal: AbortSignal,
  ) {}

  start(sessionId: string, chatId: string): void {
    if (this.active.has(chatId)) return;
    this.active.add(chatId);
    void this.loop(sessionId, chatId).finally(() => this.active.delete(chatId));
  }

  private async loop(sessionId: string, chatId: string): Promise<void> {
    const until = Date.now() + MAX_MS;
    try {
      while (!this.signal.aborted && Date.now() < until) {
        await this.show(chatId, this.signal);
        await sleep(RENEW_MS, undefined, { signal: this.signal });
        const status = await this.sessions.status(sessionId);
        if (!status || (status.state === 'idle' && status.pending === 0)) return;
      }
    } catch (error) {
      if (!this.signal.aborted) this.logger.debug({ err: error, chatId }, 'typing indicator stopped');
    }
  }
}
