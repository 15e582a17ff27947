import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';

/** Tokens shorter than this are refused: the token is all that stands between the port and the conversations. */
export const MIN_TOKEN_LENGTH = 16;
const TOKEN_CHARS = /^[A-Za-z0-9._~+-]+$/;

/** The path prefix that carries the token for the Web UI, which cannot send its own header: `/token/<token>/decode`. */
export const TOKEN_PATH_PREFIX = '/token/';

/** Request headers the Web UI sends (and the Temporal CLI's --codec-auth / --codec-header). */
const ALLOWED_HEADERS = 'Content-Type, X-Namespace, Authorization, Authorization-Extras';

export class CodecAccessError extends Error {
  override readonly name = 'CodecAccessError';
}

/** A fresh random token (URL-safe). */
export function newCodecToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Throws CodecAccessError when a token cannot be used safely. */
export function checkToken(token: string, source: string): string {
  const trimmed = token.trim();
  if (trimmed.length < MIN_TOKEN_LENGTH) {
    throw new CodecAccessError(`${source} is ${trimmed.length} characters; use at least ${MIN_TOKEN_LENGTH} (e.g. \`openssl rand -base64 24\`).`);
  }
  if (!TOKEN_CHARS.test(trimmed)) {
    throw new CodecAccessError(`${source} may hold only letters, digits and . _ ~ + - (it travels in a URL path and a header).`);
  }
  return trimmed;
}

/**
 * An origin as the browser sends it: scheme, host and port only (`http://localhost:8233`).
 * Throws CodecAccessError for anything else ("*", a path, another scheme).
 */
export function normaliseOrigin(value: string): string {
  const trimmed = value.trim().replace(/\/+$/, '');
  if (trimmed === '*') throw new CodecAccessError('--ui-origin "*" is refused: name the Web UI origins, e.g. http://localhost:8233.');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new CodecAccessError(`--ui-origin "${value}" is not a URL; use the Web UI's origin, e.g. http://localhost:8233.`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new CodecAccessError(`--ui-origin "${value}" is not an origin: use scheme://host[:port] only, e.g. http://localhost:8233.`);
  }
  return url.origin;
}

/**
 * Who may use the codec server: a caller with the token (in `Authorization: Bearer <token>`, or in
 * the path for the Web UI), and from a browser only pages of the Web UI's origins (CORS).
 */
export class CodecAccess {
  private readonly digest: Buffer;
  private readonly origins: ReadonlySet<string>;

  constructor(token: string, origins: readonly string[]) {
    this.digest = hash(checkToken(token, 'The codec token'));
    this.origins = new Set(origins.map(normaliseOrigin));
  }

  get allowedOrigins(): string[] {
    return [...this.origins];
  }

  /** The request's token, from the Authorization header or the path prefix, matches. */
  authorised(req: IncomingMessage, pathToken: string | undefined): boolean {
    const header = req.headers.authorization;
    const bearer = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    return [bearer, pathToken].some((candidate) => candidate !== undefined && candidate !== '' && timingSafeEqual(hash(candidate), this.digest));
  }

  /** The Origin header, or undefined for callers that are not browsers (the Temporal CLI, curl). */
  origin(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    return typeof origin === 'string' && origin !== '' ? origin : undefined;
  }

  originAllowed(origin: string | undefined): boolean {
    return origin === undefined || this.origins.has(origin);
  }

  /** CORS headers for a response to an allowed origin (none for anyone else). */
  corsHeaders(origin: string | undefined): OutgoingHttpHeaders {
    if (origin === undefined || !this.origins.has(origin)) return { Vary: 'Origin' };
    return {
      'Access-Control-Allow-Origin': origin,
      // The UI's "include cross-origin credentials" option needs it; there are no cookies to send.
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    };
  }

  /** Headers answering a preflight from an allowed origin. */
  preflightHeaders(origin: string, req: IncomingMessage): OutgoingHttpHeaders {
    return {
      ...this.corsHeaders(origin),
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '600',
      // Chrome's Private Network Access: a UI on a public address calling a loopback codec server.
      ...(req.headers['access-control-request-private-network'] === 'true' ? { 'Access-Control-Allow-Private-Network': 'true' } : {}),
    };
  }
}

function hash(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
