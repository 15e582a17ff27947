import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { SessionClient } from '../../temporal/session-client.js';
import { ChannelSendError } from '../channel-adapter.js';
import type { TelegramConfig } from '../channel-config.js';
import type { SessionDispatch } from '../session-dispatch.js';
import type { TelegramApi } from './telegram-api.js';
import { TelegramInbound } from './telegram-inbound.js';
import type { TelegramStreamer } from './telegram-streamer.js';

const Updates = z.array(z.unknown());

/**
 * Telegram by long polling (`getUpdates`). An update's offset is confirmed (by asking for the
 * next ones) only after its message reached its session, so a channels process that dies
 * mid-batch gets the batch again, and the sessions answer each message once (its message id is
 * the chat's message id). One poller per bot token: Telegram refuses a second (409).
 */
export class TelegramPoller {
  private readonly inbound: TelegramInbound;
  private running: Promise<void> | undefined;
  private offset: number | undefined;

  constructor(
    private readonly config: TelegramConfig & { token: string },
    dispatch: SessionDispatch,
    sessions: SessionClient,
    private readonly logger: Logger,
    private readonly api: TelegramApi,
    private readonly abort: AbortController,
    streamer?: TelegramStreamer,
  ) {
    this.inbound = new TelegramInbound(config, api, dispatch, sessions, logger, abort.signal, streamer);
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      try {
        await this.pollOnce();
        failures = 0;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        failures += 1;
        const waitMs = error instanceof ChannelSendError && error.retryAfterMs ? error.retryAfterMs : Math.min(30_000, 500 * 2 ** failures);
        this.logger.warn({ err: error instanceof Error ? error.message : String(error), retryInMs: waitMs }, 'telegram polling failed');
        await sleep(waitMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private async pollOnce(): Promise<void> {
    const params: Record<string, unknown> = { timeout: this.config.pollTimeoutSeconds, allowed_updates: ['message'] };
    if (this.offset !== undefined) params.offset = this.offset;
    const updates = Updates.parse(await this.api.call('getUpdates', params, this.abort.signal));
    for (const raw of updates) {
      await this.inbound.handle(raw);
      // Only now is this update done: the next getUpdates confirms it.
      const id = (raw as { update_id?: unknown }).update_id;
      if (typeof id === 'number') this.offset = id + 1;
    }
  }
}
