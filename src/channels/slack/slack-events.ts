import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { InboundMessage } from '../channel-adapter.js';
import type { SlackConfig } from '../channel-config.js';
import { header, readBody, sendJson } from '../http-request.js';
import { InboundGate } from '../inbound-gate.js';
import type { SessionDispatch } from '../session-dispatch.js';
import { slackSignatureProblem } from './slack-signature.js';

const SlackEvent = z.looseObject({
  type: z.string(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  text: z.string().optional(),
  ts: z.string().optional(),
  thread_ts: z.string().optional(),
  channel: z.string().optional(),
  channel_type: z.string().optional(),
});
const Envelope = z.looseObject({ type: z.string(), challenge: z.string().optional(), event: SlackEvent.optional() });
type SlackEvent = z.output<typeof SlackEvent>;

/**
 * Slack's Events API: `url_verification` answered with its challenge; direct messages (`message`
 * in an `im`) and mentions (`app_mention`) become session messages. A DM is one session (a thread
 * in it its own); a mention is answered in its thread, each thread a session. Requests are
 * verified (signature, 5-minute window) before anything else; Slack's retries of an event carry
 * the same message ts, so the session answers once.
 */
export function slackEvents(
  config: SlackConfig & { signingSecret: string },
  dispatch: SessionDispatch,
  logger: Logger,
) {
  const gate = new InboundGate({ channel: 'slack', allowFrom: config.allowFrom, rateLimitPerMinute: config.rateLimitPerMinute, logger });
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const problem = slackSignatureProblem(
      config.signingSecret,
      header(request, 'x-slack-request-timestamp'),
      header(request, 'x-slack-signature'),
      body,
    );
    if (problem) {
      logger.warn({ channel: 'slack', problem }, 'slack request refused');
      return sendJson(response, 401, { error: `signature refused: ${problem}` });
    }
    let envelope: z.output<typeof Envelope>;
    try {
      envelope = Envelope.parse(JSON.parse(body));
    } catch {
      return sendJson(response, 400, { error: 'not a Slack event' });
    }
    if (envelope.type === 'url_verification') return sendJson(response, 200, { challenge: envelope.challenge ?? '' });
    const message = envelope.type === 'event_callback' && envelope.event ? inboundFromEvent(envelope.event, config) : undefined;
    // Slack wants a 200 for every event it sent, handled or not (else it retries).
    if (message) await dispatch.dispatch(message, gate);
    sendJson(response, 200, { ok: true });
  };
}

/** A DM or a mention as a session message; undefined for everything else (bots, edits, joins…). */
export function inboundFromEvent(event: SlackEvent, config: Pick<SlackConfig, 'replyInThread' | 'dm'>): InboundMessage | undefined {
  if (event.bot_id || event.subtype || !event.user || !event.channel || !event.ts || !event.text) return undefined;
  let chatId: string;
  if (event.type === 'message' && event.channel_type === 'im') {
    if (!config.dm.enabled) return undefined;
    chatId = event.thread_ts ? `${event.channel}:${event.thread_ts}` : event.channel;
  } else if (event.type === 'app_mention') {
    chatId = config.replyInThread ? `${event.channel}:${event.thread_ts ?? event.ts}` : event.channel;
  } else {
    return undefined;
  }
  const text = event.text.replace(/<@[A-Z0-9]+>\s*/g, '').trim();
  if (!text) return undefined;
  return { channel: 'slack', chatId, senderId: event.user, platformMessageId: event.ts, text };
}
