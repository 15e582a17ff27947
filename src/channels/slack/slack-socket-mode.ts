import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../config/config-error.js';
import type { Logger } from '../../logger.js';
import { ChannelSendError } from '../channel-adapter.js';
import type { SlackEventRouter } from './slack-events.js';
import { DEFAULT_TIMINGS, SlackSocketConnection, type ConnectionTimings } from './slack-socket-connection.js';
import { openSocketUrl, SlackAppTokenRefused } from './slack-socket-url.js';

/** Disconnect reasons after which an immediate new connection would only be refused again. */
const BACK_OFF_REASONS = new Set(['too_many_websockets', 'link_disabled']);
/** A connection that lasted this long counts as healthy: the next drop reconnects at once. */
const HEALTHY_MS = 60_000;
const MAX_WAIT_MS = 30_000;

/**
 * Slack in Socket Mode: the channels process holds a WebSocket to Slack (a URL from
 * `apps.connections.open` with the app-level token) and takes events over it instead of HTTP
 * POSTs. Slack's `disconnect` (it refreshes connections every few hours) opens a new connection
 * before the old one is closed; a dropped socket reconnects at once, then with backoff (0.5 s
 * doubling to 30 s) while connecting keeps failing. Events go through the same SlackEventRouter
 * as the HTTP Events API.
 */
export class SlackSocketMode {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: { apiBase: string; appToken: string },
    private readonly router: SlackEventRouter,
    private readonly logger: Logger,
    private readonly timings: ConnectionTimings = DEFAULT_TIMINGS,
  ) {}

  /**
   * Asks Slack for the first URL before returning, so a wrong app token stops the channels
   * process at start with a ConfigError; any later failure is retried in the background.
   */
  async start(): Promise<void> {
    let firstUrl: string | undefined;
    try {
      firstUrl = await openSocketUrl(this.config, this.abort.signal);
    } catch (error) {
      if (error instanceof SlackAppTokenRefused) {
        throw new ConfigError([
          `channels.slack.appToken: ${error.message}; use the app-level token (xapp-…, scope connections:write) and turn Socket Mode on in the Slack app's settings`,
        ]);
      }
      this.logger.warn({ channel: 'slack', err: describe(error) }, 'slack socket mode: could not reach Slack; retrying in the background');
    }
    this.running ??= this.loop(firstUrl);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(firstUrl: string | undefined): Promise<void> {
    const { signal } = this.abort;
    const stopped = new Promise<'stopped'>((resolve) => signal.addEventListener('abort', () => resolve('stopped'), { once: true }));
    let url = firstUrl;
    let failures = 0;
    let connected = 0;
    let retiring: SlackSocketConnection | undefined;
    while (!signal.aborted) {
      let waitMs = 0;
      try {
        url ??= await openSocketUrl(this.config, signal);
        const opening = SlackSocketConnection.open(url, (body) => this.router.route(body), this.logger, this.timings);
        url = undefined; // single use, whatever happens next
        const { connection, numConnections } = await opening;
        connected += 1;
        this.logger.info(
          { channel: 'slack', ...(numConnections !== undefined ? { numConnections } : {}) },
          connected === 1 ? 'slack socket mode: connected' : 'slack socket mode: reconnected',
        );
        // The old connection was told to go: it finishes what it holds, then closes.
        void retiring?.retire();
        retiring = undefined;
        const since = Date.now();
        const end = await Promise.race([connection.ended, stopped]);
        if (end === 'stopped') {
          await connection.retire();
          break;
        }
        if (end.how === 'disconnect' && !BACK_OFF_REASONS.has(end.reason)) {
          this.logger.info({ channel: 'slack', reason: end.reason }, 'slack socket mode: Slack asked for a new connection; reconnecting');
          retiring = connection;
          continue;
        }
        if (end.how === 'disconnect') connection.close();
        // Only a connection that stayed up a while clears the failures: one that drops right
        // after hello, again and again, must not make us reconnect in a tight loop.
        failures = Date.now() - since >= HEALTHY_MS ? 1 : failures + 1;
        waitMs = failures <= 1 ? 0 : backoff(failures - 1);
        const why = end.how === 'disconnect' ? { reason: end.reason } : { code: end.code };
        this.logger.warn({ channel: 'slack', ...why, retryInMs: waitMs }, 'slack socket mode: connection dropped; reconnecting');
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        waitMs = error instanceof ChannelSendError && error.retryAfterMs ? error.retryAfterMs : backoff(failures);
        const level = error instanceof SlackAppTokenRefused ? 'error' : 'warn';
        this.logger[level]({ channel: 'slack', err: describe(error), retryInMs: waitMs }, 'slack socket mode: could not connect; retrying');
      }
      if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
    await retiring?.retire();
  }
}

function backoff(failures: number): number {
  return Math.min(MAX_WAIT_MS, 500 * 2 ** (failures - 1));
}

/** An error's message only: a ws error object can hold the URL, whose ticket is a credential. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
