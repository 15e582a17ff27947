import { z } from 'zod';
import { platformFetch, retryAfter, sendErrorFor } from '../channel-adapter.js';
import { SLACK_RETRYABLE_ERRORS } from './slack-sender.js';

const OpenAnswer = z.looseObject({
  ok: z.boolean(),
  error: z.string().optional(),
  url: z.url({ protocol: /^wss?$/ }).optional(),
});

/** Slack refused the call for good (a wrong, revoked or non-app token; Socket Mode off): waiting cannot fix it. */
export class SlackAppTokenRefused extends Error {
  override readonly name = 'SlackAppTokenRefused';
}

/**
 * `apps.connections.open` with the app-level token as Bearer: a fresh, single-use WebSocket URL
 * for Socket Mode. The URL carries a ticket, so it is never logged. Failures are
 * ChannelSendErrors (retryable or not, with Slack's Retry-After), or SlackAppTokenRefused.
 */
export async function openSocketUrl(config: { apiBase: string; appToken: string }, signal?: AbortSignal): Promise<string> {
  const response = await platformFetch('Slack', `${config.apiBase.replace(/\/+$/, '')}/apps.connections.open`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${config.appToken}` },
    body: '',
    signal: signal ?? null,
  });
  if (!response.ok) throw sendErrorFor('Slack', response.status, `apps.connections.open: ${response.statusText}`, retryAfter(response));
  const answer = OpenAnswer.safeParse(await response.json().catch(() => undefined));
  if (!answer.success) throw sendErrorFor('Slack', 502, 'apps.connections.open: not a Slack answer (or no ws/wss URL in it)');
  if (!answer.data.ok || !answer.data.url) {
    const error = answer.data.error ?? 'no_url';
    if (SLACK_RETRYABLE_ERRORS.has(error)) throw sendErrorFor('Slack', 503, `apps.connections.open: ${error}`, retryAfter(response));
    throw new SlackAppTokenRefused(`Slack refused apps.connections.open: ${error}`);
  }
  return answer.data.url;
}
