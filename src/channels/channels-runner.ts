import type { Config } from '../config.js';
import { ConfigError } from '../config/config-error.js';
import type { Logger } from '../logger.js';
import type { SessionClient } from '../temporal/session-client.js';
import { channelsConfig } from './channel-config.js';
import { startChannelsServer, type RouteHandler } from './channels-server.js';
import { eventStoreFor } from '../events/open-event-store.js';
import type { SessionEventStore } from '../events/session-event-store.js';
import { SessionDispatch } from './session-dispatch.js';
import { StreamedMessages } from './streamed-messages.js';
import { SlackEventRouter, slackEvents } from './slack/slack-events.js';
import { SlackSocketMode } from './slack/slack-socket-mode.js';
import { TelegramApi } from './telegram/telegram-api.js';
import { TelegramInbound } from './telegram/telegram-inbound.js';
import { TelegramPoller } from './telegram/telegram-poller.js';
import { TelegramStreamer } from './telegram/telegram-streamer.js';
import { registerTelegramWebhook, telegramWebhook } from './telegram/telegram-webhook.js';
import { webhookInbound } from './webhook/webhook-inbound.js';

export interface RunningChannels {
  /** The HTTP server's URL (webhook and Slack routes, /healthz). */
  url: string;
  /** Enabled adapters, and the routes they listen on. */
  adapters: string[];
  routes: string[];
  close(): Promise<void>;
}

/**
 * The inbound side of every enabled adapter in one process: HTTP routes for the webhook channel
 * and Slack's Events API, a WebSocket for Slack in Socket Mode, long polling for Telegram.
 * Replies do not pass through here; workers deliver them (see docs/channels.md). With Telegram
 * streaming on, this process also follows the chats' sessions on the event stream and shows
 * answers as they are written.
 */
export async function startChannels(
  config: Pick<Config, 'channels' | 'agents' | 'events'>,
  sessions: SessionClient,
  opts: { host: string; port: number; logger: Logger },
): Promise<RunningChannels> {
  const channels = channelsConfig(config);
  const { logger } = opts;
  const dispatch = new SessionDispatch(sessions, logger);
  const routes = new Map<string, RouteHandler>();
  const adapters: string[] = [];
  if (channels.webhook?.secret) {
    routes.set(channels.webhook.path, webhookInbound({ ...channels.webhook, secret: channels.webhook.secret }, dispatch, logger));
    adapters.push('webhook');
  }
  let slackSocket: SlackSocketMode | undefined;
  const slack = channels.slack;
  if (slack?.mode === 'socket' && slack.appToken) {
    // Socket Mode: no route; the events come over a WebSocket this process opens.
    slackSocket = new SlackSocketMode({ apiBase: slack.apiBase, appToken: slack.appToken }, new SlackEventRouter(slack, dispatch, logger), logger);
    adapters.push('slack (socket mode)');
  } else if (slack?.signingSecret) {
    routes.set(slack.webhookPath, slackEvents({ ...slack, signingSecret: slack.signingSecret }, dispatch, logger));
    adapters.push('slack');
  }
  let poller: TelegramPoller | undefined;
  let registerWebhook: (() => Promise<void>) | undefined;
  const abort = new AbortController();
  const telegram = channels.telegram;
  let events: SessionEventStore | undefined;
  let streamer: TelegramStreamer | undefined;
  const api = telegram?.token ? new TelegramApi(telegram.apiBase, telegram.token) : undefined;
  if (telegram && api && telegram.streaming) {
    // The same stream and state root the workers write: the delivery finds the streamed message there.
    events = eventStoreFor(config);
    const messages = new StreamedMessages(config.agents.defaults.stateDir);
    streamer = new TelegramStreamer({ api, events, messages, sessions, intervalMs: telegram.streamEditIntervalMs, logger, signal: abort.signal });
  }
  if (telegram?.token && api && telegram.mode === 'webhook' && telegram.webhookSecret && telegram.webhookUrl) {
    // Telegram POSTs to this process's own server, like Slack's events: the inbound half of every
    // adapter lives in one process, and the gateway stays an API for our own clients.
    const inbound = new TelegramInbound(telegram, api, dispatch, sessions, logger, abort.signal, streamer);
    const hook = { webhookPath: telegram.webhookPath, webhookSecret: telegram.webhookSecret, webhookUrl: telegram.webhookUrl };
    routes.set(telegram.webhookPath, telegramWebhook(hook, inbound, logger));
    registerWebhook = () => registerTelegramWebhook(api, hook);
    adapters.push('telegram');
  } else if (telegram?.token && api) {
    poller = new TelegramPoller({ ...telegram, token: telegram.token }, dispatch, sessions, logger, api, abort, streamer);
    adapters.push('telegram');
  }
  if (adapters.length === 0) {
    await events?.close();
    throw new ConfigError([
      'channels: no channel is enabled; set channels.telegram, channels.slack or channels.webhook with "enabled": true (docs/channels.md)',
    ]);
  }
  const server = await startChannelsServer(routes, opts);
  if (registerWebhook) {
    // Only once the route is listening: Telegram may POST right after setWebhook.
    try {
      await registerWebhook();
    } catch (error) {
      await server.close();
      await events?.close();
      throw new ConfigError([
        `channels.telegram: setWebhook failed (${error instanceof Error ? error.message : String(error)}); check the token and that webhookUrl is a public https URL`,
      ]);
    }
  }
  try {
    // Like setWebhook: a refused app token stops the process at start, naming the key.
    await slackSocket?.start();
  } catch (error) {
    abort.abort();
    await server.close();
    await events?.close();
    throw error;
  }
  poller?.start();
  return {
    url: server.url,
    adapters,
    routes: [...routes.keys()],
    close: async () => {
      abort.abort();
      await slackSocket?.stop();
      await poller?.stop();
      await streamer?.stopped();
      await server.close();
      await events?.close();
    },
  };
}
