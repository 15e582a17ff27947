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
/** An Events API body: what Slack POSTs over HTTP, and the payload of a Socket Mode `events_api` envelope. */
export const SlackEventBody = z.looseObject({
  type: z.string(),
  challenge: z.string().optional(),
  event_id: z.string().optional(),
  event: SlackEvent.optional(),
});
type SlackEvent = z.output<typeof SlackEvent>;
export type SlackEventBody = z.output<typeof SlackEventBody>;

/** Event ids remembered per process: enough for Slack's retries, which come within minutes. */
const REMEMBERED_EVENT_IDS = 10_000;

/**
 * What both transports (HTTP Events API, Socket Mode) do with an `event_callback`: a DM or a
 * mention becomes a session message, through one allow list and rate limit. An event id that
 * already reached its session here is not signalled again (Slack retries an event it thinks was
 * lost); a retry reaching another process is still answered once, since the session drops a
 * message id (the message ts) it has seen. Throws when the message could not be queued, so the
 * caller leaves the event unacknowledged and Slack sends it again.
 */
export class SlackEventRouter {
  private readonly gate: InboundGate;
  private readonly handled = new Set<string>();

  constructor(
    private readonly config: Pick<SlackConfig, 'allowFrom' | 'rateLimitPerMinute' | 'replyInThread' | 'dm'>,
    private readonly dispatch: SessionDispatch,
    logger: Logger,
  ) {
    this.gate = new InboundGate({ channel: 'slack', allowFrom: config.allowFrom, rateLimitPerMinute: config.rateLimitPerMinute, logger });
  }

  async route(body: SlackEventBody): Promise<void> {
    if (body.type !== 'event_callback' || !body.event) return;
    if (body.event_id && this.handled.has(body.event_id)) return;
    const message = inboundFromEvent(body.event, this.config);
    if (message) await this.dispatch.dispatch(message, this.gate);
    if (body.event_id) this.remember(body.event_id);
  }

  private remember(eventId: string): void {
    this.handled.add(eventId);
    if (this.handled.size > REMEMBERED_EVENT_IDS) this.handled.delete(this.handled.values().next().value!);
  }
}

/**
 * Slack's Events API over HTTP: `url_verification` answered with its challenge; events go to the
 * router (DMs and mentions; see SlackEventRouter). Requests are verified (signature, 5-minute
 * window) before anything else.
 */
export function slackEvents(
  config: SlackConfig & { signingSecret: string },
  dispatch: SessionDispatch,
  logger: Logger,
) {
  const router = new SlackEventRouter(config, dispatch, logger);
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
    let envelope: SlackEventBody;
    try {
      envelope = SlackEventBody.parse(JSON.parse(body));
    } catch {
      return sendJson(response, 400, { error: 'not a Slack event' });
    }
    if (envelope.type === 'url_verification') return sendJson(response, 200, { challenge: envelope.challenge ?? '' });
    // Slack wants a 200 for every event it sent, handled or not (else it retries).
    await router.route(envelope);
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
