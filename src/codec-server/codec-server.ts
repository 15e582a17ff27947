// The Temporal codec server for people: the Web UI (and `temporal --codec-endpoint`) send it the
// payloads of a history; it decrypts them and shows the messages behind message references, read
// from the state root. Only the Web UI's origins may call it from a browser, and only with the token.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from '../core/index.js';
import { blobCipherFor } from '../encryption/blob-cipher.js';
import type { EncryptionKeyRing } from '../encryption/encryption-key-ring.js';
import { PayloadEncryptionCodec } from '../encryption/payload-encryption-codec.js';
import type { Logger } from '../logger.js';
import { CodecAccess, TOKEN_PATH_PREFIX } from './codec-access.js';
import { CodecPayloads, CodecRequest } from './codec-payloads.js';
import { StateReader } from './state-reader.js';

/** Requests larger than this are refused (history payloads are at most 2 MB each). */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;
const CACHED_BLOBS = 256;

export interface CodecServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  token: string;
  /** Web UI origins allowed to call from a browser, e.g. http://localhost:8233. */
  uiOrigins: readonly string[];
  /** The state root the workers share (blobs, kept payloads). */
  stateDir: string;
  /** Payload encryption keys (the workers'); without them encrypted payloads say so. */
  encryption?: EncryptionKeyRing;
  logger?: Logger;
}

export interface CodecServer {
  /** http://host:port */
  readonly url: string;
  /** What to give the Web UI as its codec endpoint: the URL with the token in the path. */
  readonly uiEndpoint: string;
  readonly port: number;
  readonly allowedOrigins: string[];
  close(): Promise<void>;
}

export class CodecServerError extends Error {
  override readonly name = 'CodecServerError';
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535) {
    throw new CodecServerError(`The codec server port must be a number from 0 to 65535; got ${opts.port}.`);
  }
  const access = new CodecAccess(opts.token, opts.uiOrigins);
  const reader = new StateReader(opts.stateDir, blobCipherFor(opts.encryption));
  const payloads = new CodecPayloads(reader, new PayloadEncryptionCodec(opts.encryption), cachedLoader(reader));
  const host = opts.host ?? '127.0.0.1';

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      opts.logger?.error({ err: error }, 'codec server request failed');
      if (!res.headersSent) send(res, 500, { error: 'The codec server failed on this request; see its log.' }, {});
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://codec.invalid');
    const { path, pathToken } = splitToken(url.pathname);
    const origin = access.origin(req);
    const cors = access.corsHeaders(origin);

    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true }, cors);
    if (!['/decode', '/encode', '/download'].includes(path)) {
      return send(res, 404, { error: `No such endpoint: use POST /decode, /encode or /download.` }, cors);
    }
    if (req.method === 'OPTIONS') {
      // A preflight carries no credentials: only the origin decides.
      if (origin === undefined || !access.originAllowed(origin)) {
        return send(res, 403, { error: refusedOrigin(origin, access) }, { Vary: 'Origin' });
      }
      res.writeHead(204, access.preflightHeaders(origin, req)).end();
      return;
    }
    if (req.method !== 'POST') return send(res, 405, { error: `${req.method} is not allowed: use POST.` }, { ...cors, Allow: 'POST, OPTIONS' });
    if (!access.originAllowed(origin)) return send(res, 403, { error: refusedOrigin(origin, access) }, cors);
    if (!access.authorised(req, pathToken)) {
      return send(
        res,
        401,
        { error: 'Missing or wrong codec token: send "Authorization: Bearer <token>", or use the endpoint URL with /token/<token>.' },
        { ...cors, 'WWW-Authenticate': 'Bearer realm="exoclaw-temporal codec server"' },
      );
    }

    const body = await readBody(req);
    if (body === undefined) return send(res, 413, { error: `The request is over ${MAX_REQUEST_BYTES} bytes.` }, cors);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'The body is not JSON: send {"payloads": [{"metadata": {…}, "data": "<base64>"}]}.' }, cors);
    }
    const parsed = CodecRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length > 0 ? issue.path.join('.') : 'the body';
      return send(res, 400, { error: `Bad request: ${where}: ${issue.message}. Send {"payloads": [{"metadata": {…}, "data": "<base64>"}]}.` }, cors);
    }

    let result;
    if (path === '/encode') result = await payloads.encode(parsed.data.payloads);
    else {
      // The Web UI asks to keep storage references on decode and fetches them with /download.
      const preserveStorageRefs = path === '/decode' && url.searchParams.get('preserveStorageRefs') === 'true';
      result = await payloads.decode(parsed.data.payloads, { preserveStorageRefs });
    }
    opts.logger?.debug({ path, payloads: result.length, origin }, 'codec request');
    return send(res, 200, { payloads: result }, cors);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new CodecServerError(
          error.code === 'EADDRINUSE'
            ? `Port ${opts.port} on ${host} is already in use: pick another with --port (0 = any free port).`
            : `The codec server could not listen on ${host}:${opts.port}: ${error.message}`,
        ),
      ),
    );
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    uiEndpoint: `${url}${TOKEN_PATH_PREFIX}${encodeURIComponent(opts.token.trim())}`,
    port,
    allowedOrigins: access.allowedOrigins,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `/token/<t>/decode` → path `/decode`, token `<t>`; any other path is taken as it is. */
function splitToken(pathname: string): { path: string; pathToken: string | undefined } {
  if (!pathname.startsWith(TOKEN_PATH_PREFIX)) return { path: pathname, pathToken: undefined };
  const rest = pathname.slice(TOKEN_PATH_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash < 0) return { path: '/', pathToken: decode(rest) };
  return { path: rest.slice(slash), pathToken: decode(rest.slice(0, slash)) };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

function refusedOrigin(origin: string | undefined, access: CodecAccess): string {
  return `Origin ${origin ?? '(none)'} may not call this codec server; allowed: ${access.allowedOrigins.join(', ') || '(none)'} (--ui-origin).`;
}

/** The blobs a history refers to again and again (every model call carries the prompt): kept parsed. */
function cachedLoader(reader: StateReader): (ref: string) => Promise<Message[]> {
  const cache = new Map<string, Message[]>();
  return async (ref) => {
    const hit = cache.get(ref);
    if (hit) {
      cache.delete(ref);
      cache.set(ref, hit);
      return hit;
    }
    const messages = await reader.messages(ref);
    cache.set(ref, messages);
    if (cache.size > CACHED_BLOBS) cache.delete(cache.keys().next().value!);
    return messages;
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit the rest is read and dropped, so the 413 still reaches the caller.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
  }
  return size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}
