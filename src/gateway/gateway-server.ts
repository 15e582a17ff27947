import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setMaxListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { approvalRoutes } from './approval-routes.js';
import { authHook } from './gateway-auth.js';
import type { GatewayContext, GatewayLimits } from './gateway-context.js';
import { errorBody, sendError } from './gateway-errors.js';
import { EventFanout } from './event-fanout.js';
import { openaiRoutes } from './openai-routes.js';
import { RateLimiter, StreamSlots } from './rate-limiter.js';
import { sessionRoutes } from './session-routes.js';
import type { TokenStore } from './token-store.js';
import { webPageRoutes } from './web-page-routes.js';

export interface GatewayOptions extends Omit<GatewayContext, 'streams' | 'stopping' | 'limits' | 'fanout'> {
  host: string;
  /** 0 picks a free port */
  port: number;
  tokens: TokenStore;
  limits: GatewayLimits;
  logger: Logger;
  /** Readiness: can the gateway reach Temporal? (cached by the caller as it likes) */
  ready: () => Promise<boolean>;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export class GatewayStartError extends Error {
  override readonly name = 'GatewayStartError';
}

/** True for addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Builds and starts the gateway: the session API, the OpenAI-compatible API, the web chat
 * page and probes. Stateless: every replica answers every request (what it keeps in memory —
 * rate-limit buckets, stream counts — is per replica by design).
 */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const loopbackOnly = isLoopback(opts.host);
  if (!loopbackOnly && (await opts.tokens.list()).length === 0) {
    throw new GatewayStartError(
      `refusing to listen on ${opts.host} with no tokens: anyone who reaches it could talk to every session. ` +
        `Create one first (exoclaw-temporal gateway token create --name NAME), or listen on 127.0.0.1.`,
    );
  }
  const stopping = new AbortController();
  setMaxListeners(0, stopping.signal); // every open stream listens for the shutdown
  const ctx: GatewayContext = {
    sessions: opts.sessions,
    events: opts.events,
    fanout: new EventFanout(opts.events),
    approvals: opts.approvals,
    sessionStore: opts.sessionStore,
    model: opts.model,
    limits: opts.limits,
    streams: new StreamSlots(opts.limits.maxStreamsPerToken),
    stopping: stopping.signal,
  };

  const app = Fastify({
    // The project's pino logger (its redaction and format); Fastify's own type names a narrower one.
    loggerInstance: opts.logger as FastifyBaseLogger,
    bodyLimit: opts.limits.bodyLimitBytes,
    // Our own server, for the header timeout and a checking interval short enough to enforce it.
    serverFactory: (handler) =>
      createServer(
        {
          headersTimeout: opts.limits.headersTimeoutMs,
          requestTimeout: opts.limits.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, opts.limits.headersTimeoutMs),
        },
        handler as (req: IncomingMessage, res: ServerResponse) => void,
      ) as Server,
    return503OnClosing: true,
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status === 413) return sendError(reply, 413, `The request body is larger than ${opts.limits.bodyLimitBytes} bytes (gateway.bodyLimitBytes).`, 'body_too_large');
    if (status < 500) return sendError(reply, status, error.message, error.code ?? null);
    request.log.error({ err: error }, 'request failed');
    const unreachable = /connect|unavailable|deadline/i.test(`${error.name} ${error.message}`);
    return reply
      .code(unreachable ? 503 : 502)
      .send(errorBody(unreachable ? 503 : 502, unreachable ? `Temporal is not reachable: ${error.message}` : `The request failed: ${error.message}`));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `No route ${request.method} ${request.url.split('?')[0]}.`, 'not_found'));

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const ok = await opts.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ ok, temporal: ok ? 'reachable' : 'unreachable' });
  });
  webPageRoutes(app);

  await app.register(async (api) => {
    api.addHook('onRequest', authHook({ tokens: opts.tokens, limiter: new RateLimiter(opts.limits.rateLimitPerMinute), loopbackOnly }));
    sessionRoutes(api, ctx);
    approvalRoutes(api, ctx);
    openaiRoutes(api, ctx);
  });

  await app.listen({ host: opts.host, port: opts.port });
  const port = (app.server.address() as AddressInfo).port;
  const shown = opts.host.includes(':') ? `[${opts.host}]` : opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;
  return {
    url: `http://${shown}:${port}`,
    port,
    app,
    async close() {
      stopping.abort();
      await app.close();
    },
  };
}
