import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputLimits } from '../contract/input-limits.js';
import { sessionTurnId, sessionWorkflowId } from '../contract/session-api.js';
import type { SessionReply } from '../contract/session-input.js';
import { callerKey, checkScope } from './gateway-auth.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError } from './gateway-errors.js';
import { idempotencyKey, parseBody, tooManyStreams, waitForReply } from './session-routes.js';
import { openSse } from './sse-stream.js';
import { StreamedText } from './streamed-text.js';

const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const ChatMessage = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(ContentPart), z.null()]).optional(),
});
const CompletionRequest = z.looseObject({
  model: z.string().optional(),
  messages: z.array(ChatMessage).min(1, 'messages must hold at least one message'),
  stream: z.boolean().nullish(),
  user: z.string().nullish(),
});

/** How long a streamed completion waits for the reply event after Temporal returned the reply. */
const REPLY_EVENT_GRACE_MS = 2000;

/**
 * The OpenAI Chat Completions surface: any OpenAI client or chat UI talks to a durable agent.
 * The session holds the history, so only the last user message is sent; the session is the
 * `X-Session-Id` header, else `user`, else one per token (`openai-<token name>`).
 */
export function openaiRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: ctx.model, object: 'model', created: 0, owned_by: 'exoclaw-temporal' }],
  }));

  app.post('/v1/chat/completions', async (request, reply) => {
    const body = parseBody(CompletionRequest, request, reply);
    if (!body) return reply;
    const sessionId = sessionOf(request, body.user ?? undefined);
    const checked = InputLimits.sessionId.safeParse(sessionId);
    if (!checked.success) return sendError(reply, 400, `bad session id "${sessionId.slice(0, 80)}": ${checked.error.issues[0]?.message}`, 'bad_session_id');
    if (!checkScope(request, reply, checked.data)) return reply;
    const text = lastUserText(body.messages);
    if (text === undefined) return sendError(reply, 400, 'messages has no user message with text; the last user message is what the agent gets.', 'no_user_message');
    const messageId = idempotencyKey(request) ?? `chatcmpl-${randomUUID()}`;
    const model = body.model ?? ctx.model;
    const send = (): Promise<SessionReply> => ctx.sessions.send(checked.data, text, { messageId, origin: 'user', channel: 'openai' });

    if (!body.stream) {
      const outcome = await waitForReply(send(), ctx.limits.replyWaitMs);
      if (outcome === 'timeout') {
        return sendError(reply, 504, `No reply within ${ctx.limits.replyWaitMs} ms; the turn goes on: follow GET /v1/sessions/${encodeURIComponent(checked.data)}/events, or stream.`, 'reply_timeout');
      }
      return completion(messageId, model, outcome);
    }
    return streamCompletion(request, reply, ctx, { sessionId: checked.data, messageId, model, send });
  });
}

async function streamCompletion(
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: GatewayContext,
  job: { sessionId: string; messageId: string; model: string; send: () => Promise<SessionReply> },
): Promise<FastifyReply> {
  const release = ctx.streams.acquire(callerKey(request));
  if (!release) return tooManyStreams(reply, ctx.limits.maxStreamsPerToken);
  // Read from here on, so no token of this turn is missed.
  const after = await ctx.events.lastSeq(job.sessionId);
  const turnId = sessionTurnId(sessionWorkflowId(job.sessionId), job.messageId);
  const stream = openSse(request, reply, { stopping: ctx.stopping });
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    JSON.stringify({ id: job.messageId, object: 'chat.completion.chunk', created, model: job.model, choices: [{ index: 0, delta, finish_reason: finish }] });

  const follow = new AbortController();
  const stop = (): void => follow.abort();
  stream.signal.addEventListener('abort', stop);
  let finalReply: SessionReply | undefined;
  let failure: Error | undefined;
  const sent = job.send().then(
    (value) => {
      finalReply = value;
      // The reply event normally ends the stream; if it is late (or never written), stop waiting.
      setTimeout(stop, REPLY_EVENT_GRACE_MS).unref();
    },
    (error: unknown) => {
      failure = error as Error;
      stop();
    },
  );
  const text = new StreamedText();
  try {
    await stream.send(chunk({ role: 'assistant', content: '' }));
    for await (const event of ctx.events.follow(job.sessionId, after, follow.signal)) {
      if (event.type === 'delta' && event.turnId === turnId) {
        const piece = text.add(event.step, event.attempt, event.text);
        if (piece) await stream.send(chunk({ content: piece }));
      } else if (event.type === 'stream_restarted' && event.turnId === turnId) {
        text.restart(event.step, event.attempt);
      } else if (event.type === 'reply' && event.messageId === job.messageId) {
        finalReply ??= { messageId: event.messageId, status: event.status, content: event.content, toolsUsed: [] };
        break;
      }
    }
    if (!finalReply && !failure && !stream.signal.aborted) await sent;
    if (stream.signal.aborted) return reply;
    if (finalReply) {
      const rest = text.remainderOf(finalReply.content);
      if (rest) await stream.send(chunk({ content: rest }));
      await stream.send(chunk({}, 'stop'));
    } else {
      await stream.send(JSON.stringify({ error: { message: `the turn failed: ${failure?.message ?? 'no reply'}`, type: 'api_error', code: null } }));
    }
    await stream.send('[DONE]');
  } catch (error) {
    request.log.warn({ err: error, sessionId: job.sessionId }, 'streamed completion failed');
  } finally {
    release();
    stream.end();
  }
  return reply;
}

function completion(id: string, model: string, reply: SessionReply): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    exoclaw: { status: reply.status, toolsUsed: reply.toolsUsed, turnId: reply.turnId ?? null },
  };
}

function sessionOf(request: FastifyRequest, user: string | undefined): string {
  const header = request.headers['x-session-id'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  if (user && user.trim() !== '') return user.trim();
  const identity = request.identity;
  return `${identity?.sessions ?? ''}openai-${identity?.name.replace(/[^A-Za-z0-9._-]+/g, '') || 'local'}`;
}

function lastUserText(messages: z.output<typeof ChatMessage>[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.role !== 'user') continue;
    const content = message.content;
    const text = typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');
    return text.trim() === '' ? undefined : text;
  }
  return undefined;
}
