import type { ChannelAdapterName } from '../contract/index.js';
import type { ChannelSender } from './channel-adapter.js';
import type { ChannelsConfig } from './channel-config.js';
import { SlackSender } from './slack/slack-sender.js';
import { TelegramSender } from './telegram/telegram-sender.js';
import { WebhookSender } from './webhook/webhook-sender.js';

/** The outbound half of every enabled adapter that can send (a webhook without a `url` only receives). */
export function createChannelSenders(channels: ChannelsConfig): Partial<Record<ChannelAdapterName, ChannelSender>> {
  const senders: Partial<Record<ChannelAdapterName, ChannelSender>> = {};
  const { telegram, slack, webhook } = channels;
  if (telegram?.token) senders.telegram = new TelegramSender({ apiBase: telegram.apiBase, token: telegram.token });
  if (slack?.botToken) senders.slack = new SlackSender({ apiBase: slack.apiBase, botToken: slack.botToken });
  if (webhook?.secret && webhook.url) senders.webhook = new WebhookSender({ ...webhook, secret: webhook.secret, url: webhook.url });
  return senders;
}
