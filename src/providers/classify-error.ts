import AnthropicSdk from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { LLMError, type LLMErrorKind } from '../core/errors.js';
import type { AbortSignalLike } from '../core/abort.js';
import { scrubSecrets } from '../logger.js';

/** What the classifier needs to write a message a user can act on. */
export interface ErrorContext {
  /** e.g. `anthropic`, `openai`, `ollama` */
  provider: string;
  model: string;
  /** where the key comes from, e.g. `ANTHROPIC_API_KEY / providers.anthropic.apiKey` */
  credentialHint?: string;
  /** exact strings to blank out of messages (the provider's own API key) */
  secrets?: readonly string[];
  /** the API root, named in connection and not-found errors */
  baseURL?: string;
}

const CONTEXT_LENGTH_PATTERN =
  /context[ _-]?(length|window)|too many tokens|prompt is too long|input is too long|maximum context|reduce the length|exceeds? the (model'?s? )?(context|maximum)|context_length_exceeded|too large for the model/i;

const CONNECTION_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** What a person reads for the common socket error codes. */
const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens at that address',
  ENOTFOUND: 'unknown host: the name does not resolve',
  EAI_AGAIN: 'the host name could not be looked up right now',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
};

/** A user cancelled the request (the signal we passed fired). Not an LLM failure: rethrown as is. */
export function isUserAbort(error: unknown, signal: AbortSignalLike | undefined): boolean {
  if (signal?.aborted) return true;
  return error instanceof OpenAI.APIUserAbortError || error instanceof AnthropicSdk.APIUserAbortError;
}

/** The error to throw for a cancelled request: the signal's reason when it is an error, else an AbortError. */
export function cancellationError(signal: AbortSignalLike | undefined): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('The LLM request was cancelled.');
  error.name = 'AbortError';
  return error;
}

/**
 * Maps anything an SDK (or fetch) throws to an `LLMError` whose `kind` says whether a retry can
 * help and whose message says what to do. Messages never carry the API key.
 */
export function classifyError(error: unknown, ctx: ErrorContext): LLMError {
  if (error instanceof LLMError) return error;
  const scrub = (text: string): string => scrubText(text, ctx.secrets);
  const where = `${ctx.provider} (model ${ctx.model})`;

  // Whether a failure is retried, and how often, is the caller's decision (Temporal's retry
  // policy in a durable turn): messages say what happened, never "it will be retried".
  if (isTimeout(error)) {
    return new LLMError(`${where}: the request timed out before the model answered.`, {
      kind: 'timeout',
    });
  }
  const status = statusOf(error);
  if (status === undefined) {
    const unusable = unusableUrl(error, ctx.baseURL);
    if (unusable) {
      // No request can ever go out to this URL: a configuration error, not an outage.
      return new LLMError(`${where}: ${unusable} Fix the provider's base URL (providers.${ctx.provider}.apiBase or its environment variable). This is not retried.`, {
        kind: 'bad_request',
      });
    }
    if (isConnectionFailure(error)) {
      const code = connectionCode(error);
      const detail = (code && CONNECTION_REASONS[code]) ?? scrub(describeCause(error));
      return new LLMError(
        `${where}: could not reach the API${ctx.baseURL ? ` at ${displayUrl(ctx.baseURL)}` : ''} (${detail}). Check the base URL and that the server is running.`,
        { kind: 'connection', unreachable: code === 'ECONNREFUSED' || code === 'ENOTFOUND' },
      );
    }
    const detail = scrub(error instanceof Error ? error.message : String(error));
    return new LLMError(`${where}: the response could not be understood (${detail}).`, { kind: 'invalid_response' });
  }

  const said = scrub(providerMessage(error));
  const code = errorCode(error);
  const kind = kindFor(status, said, code);
  const retryAfterMs = kind === 'rate_limited' || kind === 'server_error' ? retryAfterOf(error) : undefined;
  return new LLMError(messageFor(kind, status, said, ctx, retryAfterMs), {
    kind,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function kindFor(status: number, said: string, code: string | undefined): LLMErrorKind {
  if (code === 'context_length_exceeded' || ((status === 400 || status === 413) && CONTEXT_LENGTH_PATTERN.test(said))) {
    return 'context_length';
  }
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status === 401) return 'authentication';
  if (status === 402 || status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 413) return 'context_length';
  return 'bad_request';
}

function messageFor(
  kind: LLMErrorKind,
  status: number,
  said: string,
  ctx: ErrorContext,
  retryAfterMs: number | undefined,
): string {
  const where = `${ctx.provider} (model ${ctx.model})`;
  const detail = said ? ` Provider said: ${said}` : '';
  const keyHint = ctx.credentialHint ?? `the API key for ${ctx.provider}`;
  switch (kind) {
    case 'context_length':
      return `${where}: the prompt does not fit the model's context window (${status}). Start a new session (/new), lower agents.defaults.memoryWindow or maxTokens, or use a model with a larger context.${detail}`;
    case 'rate_limited': {
      const wait = retryAfterMs === undefined ? '' : ` Retry after ${Math.ceil(retryAfterMs / 1000)} s.`;
      return `${where}: rate limited (429).${wait}${detail}`;
    }
    case 'server_error':
      return `${where}: the provider had a server error (${status}).${detail}`;
    case 'timeout':
      return `${where}: the provider timed out (${status}).${detail}`;
    case 'conflict':
      return `${where}: the provider reported a conflict (409).${detail}`;
    case 'authentication':
      return `${where}: the API key was rejected (401). Check ${keyHint}.${detail}`;
    case 'permission':
      return `${where}: the API key may not use this model or account (${status}). Check the key's permissions and billing, or ${keyHint}.${detail}`;
    case 'not_found':
      return `${where}: model ${ctx.model} not found: check the model name${ctx.baseURL ? ` and the base URL ${displayUrl(ctx.baseURL)}` : ''} (404).${detail}`;
    default:
      return `${where}: the provider rejected the request (${status}). This is not retried; check the model name, tools and request options.${detail}`;
  }
}

/** A URL without any user:password part. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

function scrubText(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[REDACTED]');
  }
  return scrubSecrets(out);
}

function isTimeout(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionTimeoutError || error instanceof AnthropicSdk.APIConnectionTimeoutError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError';
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof OpenAI.APIError || error instanceof AnthropicSdk.APIError) {
    if (typeof error.status === 'number') return error.status;
    // An `error` event inside a stream has no HTTP status, only the error type.
    return statusForErrorType(messageType(error.error));
  }
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 ? status : undefined;
}

const STATUS_BY_ERROR_TYPE: Record<string, number> = {
  rate_limit_error: 429,
  overloaded_error: 529,
  api_error: 500,
  server_error: 500,
  timeout_error: 504,
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
};

function statusForErrorType(type: string | undefined): number | undefined {
  return type === undefined ? undefined : STATUS_BY_ERROR_TYPE[type];
}

function messageType(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const record = body as { type?: unknown; error?: unknown };
  if (record.error && typeof record.error === 'object') return messageType(record.error);
  return typeof record.type === 'string' ? record.type : undefined;
}

function isConnectionFailure(error: unknown): boolean {
  if (error instanceof OpenAI.APIConnectionError || error instanceof AnthropicSdk.APIConnectionError) return true;
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
    // undici reports a socket closed mid-body as TypeError('terminated') / 'other side closed'
    if (typeof e.message === 'string' && /^(terminated|fetch failed|other side closed|socket hang up)$/i.test(e.message)) {
      return true;
    }
    e = e.cause as typeof e;
  }
  return false;
}

/** Why fetch refuses to even try this URL (a port on fetch's blocked list, a malformed URL), if it does. */
function unusableUrl(error: unknown, baseURL: string | undefined): string | undefined {
  const url = baseURL ? displayUrl(baseURL) : 'the base URL';
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null, depth = 0; e && depth < 6; depth++) {
    if (e.message === 'bad port') {
      const port = baseURL ? portOf(baseURL) : undefined;
      return `${url} uses ${port ? `port ${port}, ` : 'a port '}which fetch refuses to connect to (a blocked port).`;
    }
    if (e.code === 'ERR_INVALID_URL' || e.message === 'Invalid URL') return `${url} is not a valid URL.`;
    e = e.cause as typeof e;
  }
  return undefined;
}

function portOf(url: string): string | undefined {
  try {
    return new URL(url).port || undefined;
  } catch {
    return undefined;
  }
}

/** The socket error code in the cause chain (`ECONNREFUSED`, `ENOTFOUND`, …), if any. */
function connectionCode(error: unknown): string | undefined {
  let found: string | undefined;
  for (let e = error as { code?: unknown; cause?: unknown; errors?: unknown } | null, depth = 0; e && depth < 6; depth++) {
    if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) found = e.code;
    // Happy eyeballs (several addresses tried) reports an AggregateError of one error per address.
    if (Array.isArray(e.errors)) {
      const codes = e.errors.map((inner) => (inner as { code?: unknown } | null)?.code).filter((c): c is string => typeof c === 'string');
      if (codes.length > 0 && codes.every((c) => c === codes[0])) found = codes[0];
    }
    e = e.cause as typeof e;
  }
  return found;
}

/** The innermost useful description: `ECONNREFUSED`, `socket hang up`, … */
function describeCause(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') parts.push(e.code);
    else if (typeof e.message === 'string' && e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  return [...new Set(parts)].join(': ') || 'connection failed';
}

/** The provider's own explanation, from the error body when there is one. */
function providerMessage(error: unknown): string {
  const body = (error as { error?: unknown } | null)?.error;
  const fromBody = messageInBody(body);
  if (fromBody) return fromBody;
  const message = error instanceof Error ? error.message : '';
  return message.replace(/^\d{3}\s+/, '').trim();
}

function messageInBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 500);
  if (!body || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.message === 'string') return record.message.slice(0, 500);
  // Anthropic: { type: 'error', error: { type, message } }
  if (record.error) return messageInBody(record.error);
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  const body = (error as { error?: { code?: unknown; error?: { code?: unknown } } } | null)?.error;
  const nested = body?.code ?? body?.error?.code;
  return typeof nested === 'string' ? nested : undefined;
}

/** `retry-after-ms` (milliseconds), else `retry-after` (seconds or an HTTP date). */
function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  const get = (name: string): string | null => {
    if (headers && typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
    if (headers && typeof headers === 'object') {
      const value = (headers as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : null;
    }
    return null;
  };
  const ms = Number(get('retry-after-ms'));
  if (get('retry-after-ms') !== null && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = get('retry-after');
  if (raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
