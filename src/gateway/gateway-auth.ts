import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './gateway-errors.js';
import { RateLimiter } from './rate-limiter.js';
import { inScope, type TokenIdentity, type TokenStore } from './token-store.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request is (set by the auth hook on /v1 routes). */
    identity?: TokenIdentity;
  }
}

/** The identity of requests when no token exists and the gateway listens on loopback only. */
export const LOCAL_IDENTITY: TokenIdentity = { name: '(local, no tokens)' };

/**
 * The onRequest hook of the API routes: a bearer token (401 without one or with a wrong one),
 * then the token's rate limit (429 with Retry-After). With no token stored at all the gateway
 * is open to whoever reaches it, which it allows on loopback only (checked at start); once a
 * token exists every request needs one.
 */
export function authHook(opts: { tokens: TokenStore; limiter: RateLimiter; loopbackOnly: boolean }) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const stored = await opts.tokens.list();
    let identity: TokenIdentity | undefined;
    if (stored.length === 0 && opts.loopbackOnly) {
      identity = LOCAL_IDENTITY;
    } else {
      const presented = bearerToken(request.headers.authorization);
      if (presented === undefined) {
        void sendError(reply.header('www-authenticate', 'Bearer'), 401, 'This gateway needs a token: send "Authorization: Bearer <token>" (exoclaw-temporal gateway token create).', 'missing_token');
        return reply;
      }
      identity = await opts.tokens.verify(presented);
      if (!identity) {
        void sendError(reply.header('www-authenticate', 'Bearer error="invalid_token"'), 401, 'The token is not valid here (revoked, mistyped, or from another gateway).', 'invalid_token');
        return reply;
      }
    }
    const wait = opts.limiter.take(identity === LOCAL_IDENTITY ? `ip:${request.ip}` : `token:${identity.name}`);
    if (wait > 0) {
      void sendError(reply.header('retry-after', String(wait)), 429, `Too many requests for this token; retry in ${wait} s.`, 'rate_limited');
      return reply;
    }
    request.identity = identity;
  };
}

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** 403 unless the request's token may reach the session; true when it may. */
export function checkScope(request: FastifyRequest, reply: FastifyReply, sessionId: string): boolean {
  const identity = request.identity;
  if (identity && inScope(identity, sessionId)) return true;
  void sendError(
    reply,
    403,
    `This token may only reach sessions whose id starts with "${identity?.sessions ?? ''}" (asked for "${sessionId}").`,
    'session_out_of_scope',
  );
  return false;
}

/** The key streams are counted under: the token, or the address when no tokens exist. */
export function callerKey(request: FastifyRequest): string {
  return request.identity === LOCAL_IDENTITY || !request.identity ? `ip:${request.ip}` : `token:${request.identity.name}`;
}
