import { z } from 'zod';
import type { Config } from '../config.js';
import { ConfigError } from '../config/config-error.js';

// Each adapter's section of `channels.<name>`, with nanobot's names where nanobot has them.
// Other keys nanobot writes (proxy, reactEmoji, groupAllowFrom, …) are accepted and ignored.

const AllowFrom = z
  .array(z.union([z.string(), z.number()]).transform(String))
  .default([])
  .describe('user or chat ids (Telegram also @usernames) allowed to talk to the agent; empty: nobody');

const Common = {
  enabled: z.boolean().default(false),
  allowFrom: AllowFrom,
  /** Messages per minute one chat may send before further ones are refused (0: no limit). */
  rateLimitPerMinute: z.number().int().min(0).default(20),
};

const HttpUrl = z.url({ protocol: /^https?$/, message: 'use an http:// or https:// URL' });

export const TelegramConfigSchema = z.looseObject({
  ...Common,
  /** The bot token from @BotFather (or EXOCLAW_TELEGRAM_TOKEN). */
  token: z.string().min(1).optional(),
  /** Bot API base (tests, proxies, a self-hosted Bot API server). */
  apiBase: HttpUrl.default('https://api.telegram.org'),
  /** Long-poll wait of getUpdates, seconds. */
  pollTimeoutSeconds: z.number().int().min(0).max(50).default(25),
  /** How updates arrive: `polling` (getUpdates, needs no public address) or `webhook` (Telegram POSTs them). */
  mode: z.enum(['polling', 'webhook']).default('polling'),
  /** Webhook mode: the public https URL Telegram POSTs to; it must reach `webhookPath` on the channels server. */
  webhookUrl: HttpUrl.optional(),
  /** Webhook mode: the channels server's route for updates. */
  webhookPath: z.string().startsWith('/').default('/telegram/updates'),
  /** Webhook mode: Telegram sends it back in X-Telegram-Bot-Api-Secret-Token (or EXOCLAW_TELEGRAM_WEBHOOK_SECRET). */
  webhookSecret: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,256}$/, 'use 16 to 256 characters of A-Z a-z 0-9 _ - (Telegram allows no others)')
    .optional(),
  /** Show the answer as it is written: one message, edited as text arrives (the channels process follows the session). */
  streaming: z.boolean().default(true),
  /** The shortest gap between two edits of a streamed message in one chat, ms (Telegram allows about one a second). */
  streamEditIntervalMs: z.number().int().min(250).max(60_000).default(1000),
});

export const SlackConfigSchema = z.looseObject({
  ...Common,
  /**
   * How events arrive: `http` (Slack POSTs them to `webhookPath`, signed with `signingSecret`) or
   * `socket` (Socket Mode: the channels process holds a WebSocket opened with `appToken`; no public address).
   */
  mode: z.enum(['http', 'socket']).default('http'),
  /** Where the channels server takes Slack's events. */
  webhookPath: z.string().startsWith('/').default('/slack/events'),
  /** xoxb- bot token (or EXOCLAW_SLACK_BOT_TOKEN). */
  botToken: z.string().min(1).optional(),
  /** The app's signing secret (or EXOCLAW_SLACK_SIGNING_SECRET); http mode only. */
  signingSecret: z.string().min(1).optional(),
  /** Socket Mode: the app-level `xapp-` token with `connections:write` (or EXOCLAW_SLACK_APP_TOKEN). */
  appToken: z.string().startsWith('xapp-', 'use the app-level token (xapp-…), not the bot token').optional(),
  apiBase: HttpUrl.default('https://slack.com/api'),
  /** Mentions in a channel are answered in a thread (each thread its own session). */
  replyInThread: z.boolean().default(true),
  dm: z.looseObject({ enabled: z.boolean().default(true) }).prefault({}),
});

export const WebhookConfigSchema = z.looseObject({
  ...Common,
  /** Signs and verifies both directions (or EXOCLAW_WEBHOOK_SECRET). */
  secret: z.string().min(16, 'use a secret of at least 16 characters').optional(),
  /** Where replies are POSTed. */
  url: HttpUrl.optional(),
  /** Where the channels server takes inbound messages. */
  path: z.string().startsWith('/').default('/webhook'),
  /** Longer replies are split into several POSTs. */
  maxMessageChars: z.number().int().min(100).default(16000),
});

export type TelegramConfig = z.output<typeof TelegramConfigSchema>;
export type SlackConfig = z.output<typeof SlackConfigSchema>;
export type WebhookConfig = z.output<typeof WebhookConfigSchema>;

export interface ChannelsConfig {
  telegram?: TelegramConfig;
  slack?: SlackConfig;
  webhook?: WebhookConfig;
}

const SCHEMAS = { telegram: TelegramConfigSchema, slack: SlackConfigSchema, webhook: WebhookConfigSchema };

/**
 * The enabled adapters' settings, validated. A section that is enabled but cannot work (no
 * token, Slack in socket mode without an app token) is a configuration error saying what to set.
 */
export function channelsConfig(config: Pick<Config, 'channels'>): ChannelsConfig {
  const result: ChannelsConfig = {};
  for (const name of ['telegram', 'slack', 'webhook'] as const) {
    const raw = config.channels[name];
    if (raw === undefined || raw === null) continue;
    const parsed = SCHEMAS[name].safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `channels.${name}.${i.path.join('.')}: ${i.message}`);
      throw new ConfigError(problems);
    }
    if (!parsed.data.enabled) continue;
    (result as Record<string, unknown>)[name] = parsed.data;
  }
  requireSecrets(result);
  return result;
}

function requireSecrets(channels: ChannelsConfig): void {
  const missing: string[] = [];
  if (channels.telegram && !channels.telegram.token) missing.push('channels.telegram.token (or EXOCLAW_TELEGRAM_TOKEN)');
  if (channels.telegram?.mode === 'webhook') {
    if (!channels.telegram.webhookUrl) missing.push('channels.telegram.webhookUrl (in webhook mode)');
    if (!channels.telegram.webhookSecret) missing.push('channels.telegram.webhookSecret (or EXOCLAW_TELEGRAM_WEBHOOK_SECRET, in webhook mode)');
  }
  if (channels.slack) {
    if (!channels.slack.botToken) missing.push('channels.slack.botToken (or EXOCLAW_SLACK_BOT_TOKEN)');
    if (channels.slack.mode === 'socket') {
      if (!channels.slack.appToken) missing.push('channels.slack.appToken (or EXOCLAW_SLACK_APP_TOKEN, an xapp- token, in socket mode)');
    } else if (!channels.slack.signingSecret && channels.slack.appToken) {
      // A nanobot config: its default mode is socket, ours http.
      throw new ConfigError([
        'channels.slack.mode: "http" (the default here; nanobot\'s is "socket") needs channels.slack.signingSecret; ' +
          'to use channels.slack.appToken, set "mode": "socket"',
      ]);
    } else if (!channels.slack.signingSecret) {
      missing.push('channels.slack.signingSecret (or EXOCLAW_SLACK_SIGNING_SECRET, in http mode)');
    }
  }
  if (channels.webhook && !channels.webhook.secret) missing.push('channels.webhook.secret (or EXOCLAW_WEBHOOK_SECRET)');
  if (missing.length > 0) throw new ConfigError(missing.map((what) => `${what}: required when the channel is enabled`));
}
