import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InputLimits } from '../contract/input-limits.js';
import { sessionWorkflowId } from '../contract/session-api.js';
import type { SessionReply } from '../contract/session-input.js';
import type { ContentPart } from '../core/messages.js';
import { callerKey, checkScope } from './gateway-auth.js';
import type { GatewayContext } from './gateway-context.js';
import { sendError } from './gateway-errors.js';
import { openSse, resumePoint } from './sse-stream.js';

const SessionParams = z.object({ id: InputLimits.sessionId });

export const MessageBody = z.strictObject({
  text: InputLimits.message,
  /** Makes the send idempotent: the same id again gets the first reply and runs no new turn. */
  messageId: z.string().trim().min(1).max(200).optional(),
  /** false: queue it and answer 202 at once (the reply comes as a `reply` event) */
  wait: z.boolean().default(true),
});

/** The session API: send, follow events, stop, status, list and history. */
export function sessionRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/sessions', async (request) => {
    const identity = request.identity!;
    const sessions = await ctx.sessionStore.list();
    return {
      sessions: sessions
        .filter((s) => identity.sessions === undefined || s.key.startsWith(identity.sessions))
        .map((s) => ({ id: s.key, createdAt: s.createdAt, updatedAt: s.updatedAt })),
    };
  });

  app.post('/v1/sessions/:id/messages', async (request, reply) => {
    const sessionId = sessionParam(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const body = parseBody(MessageBody, request, reply);
    if (!body) return reply;
    const messageId = body.messageId ?? idempotencyKey(request) ?? randomUUID();
    const accepted = { messageId, sessionId, status: 'accepted', events: `/v1/sessions/${encodeURIComponent(sessionId)}/events` };
    if (!body.wait) {
      await ctx.sessions.signal(sessionId, body.text, { messageId, origin: 'user', channel: 'gateway' });
      return reply.code(202).send(accepted);
    }
    const outcome = await waitForReply(ctx.sessions.send(sessionId, body.text, { messageId, origin: 'user', channel: 'gateway' }), ctx.limits.replyWaitMs);
    if (outcome === 'timeout') return reply.code(202).send(accepted);
    return { messageId, sessionId, reply: outcome };
  });

  app.get('/v1/sessions/:id/events', async (request, reply) => {
    const sessionId = sessionParam(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const after = resumePoint(request);
    if (typeof after !== 'number') return sendError(reply, 400, after.error, 'bad_resume_point');
    const release = ctx.streams.acquire(callerKey(request));
    if (!release) return tooManyStreams(reply, ctx.limits.maxStreamsPerToken);
    const stream = openSse(request, reply, { stopping: ctx.stopping });
    try {
      for await (const event of ctx.fanout.follow(sessionId, after, stream.signal)) {
        await stream.send(JSON.stringify(event), { id: event.seq, event: event.type });
      }
    } catch (error) {
      if (!stream.signal.aborted) {
        request.log.warn({ err: error, sessionId }, 'event stream failed');
        await stream.send(JSON.stringify({ type: 'error', message: `event stream failed: ${(error as Error).message}` }), { event: 'error' });
      }
    } finally {
      release();
      stream.end();
    }
    return reply;
  });

  app.post('/v1/sessions/:id/stop', async (request, reply) => {
    const sessionId = sessionParam(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const stopped = await ctx.sessions.stop(sessionId, { messageId: `stop-${randomUUID()}` });
    return { sessionId, reply: stopped };
  });

  app.get('/v1/sessions/:id', async (request, reply) => {
    const sessionId = sessionParam(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const [status, lastSeq] = await Promise.all([ctx.sessions.status(sessionId), ctx.events.lastSeq(sessionId)]);
    return { sessionId, workflowId: sessionWorkflowId(sessionId), running: status !== undefined, lastEventSeq: lastSeq, status: status ?? null };
  });

  app.get('/v1/sessions/:id/history', async (request, reply) => {
    const sessionId = sessionParam(request, reply);
    if (sessionId === undefined || !checkScope(request, reply, sessionId)) return reply;
    const snapshot = await ctx.sessionStore.read(sessionId);
    return {
      sessionId,
      messages: snapshot.messages
        .filter((m) => m.role === 'user' || m.role === 'assistant' || m.role === 'tool')
        .map((m) => ({
          role: m.role,
          content: textOf(m.content),
          ...(m.toolCalls?.length ? { toolCalls: m.toolCalls.map((c) => ({ id: c.id, name: c.name })) } : {}),
          ...(m.name ? { name: m.name } : {}),
          at: m.timestamp,
        })),
    };
  });
}

/** The session id of the path, or undefined after a 400. */
function sessionParam(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const parsed = SessionParams.safeParse(request.params);
  if (parsed.success) return parsed.data.id;
  void sendError(reply, 400, `bad session id: ${parsed.error.issues[0]?.message ?? 'invalid'}`, 'bad_session_id');
  return undefined;
}

export function parseBody<T extends z.ZodType>(schema: T, request: FastifyRequest, reply: FastifyReply): z.output<T> | undefined {
  const parsed = schema.safeParse(request.body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  void sendError(reply, 400, `bad request body: ${where}${issue?.message ?? 'invalid'}`, 'bad_body');
  return undefined;
}

/** The Idempotency-Key header, the usual HTTP spelling of a client message id. */
export function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' && key.trim() !== '' ? key.trim().slice(0, 200) : undefined;
}

/** The reply, or 'timeout' when it takes longer than `ms` (the turn goes on). */
export async function waitForReply(sent: Promise<SessionReply>, ms: number): Promise<SessionReply | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  // The reply may still come after we stopped waiting; nobody reads it then.
  sent.catch(() => undefined);
  try {
    return await Promise.race([sent, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function tooManyStreams(reply: FastifyReply, limit: number): FastifyReply {
  return sendError(reply.header('retry-after', '5'), 429, `This token has ${limit} streams open already (the limit); close one first.`, 'too_many_streams');
}

function textOf(content: string | ContentPart[] | null | undefined): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => (part.type === 'text' ? part.text : `[${part.mediaType}]`)).join('');
}
