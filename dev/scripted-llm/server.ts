import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { anthropicEvents, anthropicMessage, type SseEvent } from './anthropic-wire.js';
import { anthropicView, openAIView, WireRequestError, type ConversationView, type WireApi } from './conversation-view.js';
import { DEFAULT_SCRIPT } from './default-script.js';
import { faultResponse, FaultQueue, parseFaults, type Fault, type FaultInput } from './faults.js';
import { openAIChunks, openAICompletion } from './openai-wire.js';
import { evaluateRules } from './rule-engine.js';
import { loadScriptFile, parseScript, type ParsedRule, type ScriptInput } from './script-schema.js';
import { buildWireReply, signThinking } from './wire-reply.js';

export interface ScriptedLlmServerOptions {
  /** 0 (default) picks a free port */
  port?: number;
  /** loopback only: 127.0.0.1 (default), ::1 or localhost */
  host?: string;
  /** rules, or the path of a JSON fixture file; default: the built-in DEFAULT_SCRIPT */
  script?: ScriptInput | string;
  /** faults queued from the start */
  faults?: FaultInput[];
  /** one line per request (e.g. console.error) */
  log?: (line: string) => void;
}

export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  /** request headers; authorization / x-api-key / api-key are replaced by [REDACTED] */
  headers: Record<string, string>;
  /** the parsed JSON body (or the raw text when it was not JSON; null when empty) */
  body: unknown;
  receivedAt: string;
  /** the fault this request consumed, if any */
  fault?: Fault;
  /** the rule that answered, for chat requests */
  ruleName?: string;
}

export interface ScriptedLlmServer {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** url + /v1: the OpenAI SDK's baseURL */
  readonly openaiBaseUrl: string;
  /** url: the Anthropic SDK's baseURL */
  readonly anthropicBaseUrl: string;
  readonly port: number;
  /** every request except /__control/*, oldest first */
  readonly requests: readonly RecordedRequest[];
  /** only the chat requests (/v1/chat/completions and /v1/messages) */
  chatRequests(): RecordedRequest[];
  injectFault(fault: FaultInput | FaultInput[]): void;
  clearFaults(): void;
  setScript(script: ScriptInput | string): void;
  /** back to the starting script; no faults, no recorded requests, request count 0 */
  reset(): void;
  close(): Promise<void>;
}

const REDACTED_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'proxy-authorization', 'cookie']);
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MAX_RECORDED = 5000;
// Fixed so signatures stay valid across server restarts, as Anthropic's do.
const SIGNING_SECRET = 'exoclaw-scripted-llm';
const CHAT_ROUTES: Record<string, WireApi> = { '/v1/chat/completions': 'openai', '/v1/messages': 'anthropic' };

function compileScript(script: ScriptInput | string | undefined): ParsedRule[] {
  if (script === undefined) return parseScript(DEFAULT_SCRIPT, 'default script').rules;
  const parsed = typeof script === 'string' ? loadScriptFile(script) : parseScript(script);
  return parsed.useDefaults ? [...parsed.rules, ...parseScript(DEFAULT_SCRIPT, 'default script').rules] : parsed.rules;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A wire-compatible, scripted stand-in for OpenAI and Anthropic: the official SDKs talk to it
 * over real HTTP, so providers are tested end to end with no API key. Loopback only.
 */
export async function startScriptedLlmServer(options: ScriptedLlmServerOptions = {}): Promise<ScriptedLlmServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackHost(host)) {
    throw new Error(`The scripted LLM server listens on loopback only (127.0.0.1, ::1, localhost); got host "${host}".`);
  }
  const initialScript = compileScript(options.script);
  const state: ServerState = {
    initialRules: initialScript,
    rules: initialScript,
    faults: new FaultQueue(),
    requests: [] as RecordedRequest[],
    seq: 0,
    chatCount: 0,
    idToken: `s${randomBytes(3).toString('hex')}r`,
  };
  if (options.faults) state.faults.add(parseFaults(options.faults));
  const closing = new AbortController();
  const sockets = new Set<Socket>();

  const handler = new RequestHandler(state, closing.signal, options.log);
  const server: Server = createServer((req, res) => {
    handler.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `scripted server bug: ${(error as Error).message}`, type: 'server_error' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    port,
    get requests() {
      return state.requests;
    },
    chatRequests: () => state.requests.filter((request) => request.path in CHAT_ROUTES),
    injectFault: (fault) => state.faults.add(parseFaults(fault)),
    clearFaults: () => state.faults.clear(),
    setScript: (script) => {
      state.rules = compileScript(script);
    },
    reset: () => {
      state.rules = state.initialRules;
      state.faults.clear();
      state.requests.length = 0;
      state.chatCount = 0;
    },
    close: async () => {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

type ServerState = {
  initialRules: ParsedRule[];
  rules: ParsedRule[];
  faults: FaultQueue;
  requests: RecordedRequest[];
  seq: number;
  chatCount: number;
  idToken: string;
};

class RequestHandler {
  constructor(
    private readonly state: ServerState,
    private readonly closing: AbortSignal,
    private readonly log: ((line: string) => void) | undefined,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://scripted.invalid').pathname.replace(/\/+$/, '') || '/';
    const raw = await readBody(req);
    if (raw === undefined) return sendJson(res, 413, { error: { message: 'request body too large', type: 'invalid_request_error' } });
    const body = parseBody(raw);
    if (path.startsWith('/__control/')) return this.control(req.method ?? 'GET', path, body, res);

    const record: RecordedRequest = {
      seq: ++this.state.seq,
      method: req.method ?? 'GET',
      path,
      headers: redactHeaders(req.headers),
      body,
      receivedAt: new Date().toISOString(),
    };
    this.state.requests.push(record);
    if (this.state.requests.length > MAX_RECORDED) this.state.requests.shift();

    const api = CHAT_ROUTES[path];
    if (req.method === 'POST' && api) return this.chat(api, req, res, record);
    const fault = this.state.faults.take(path);
    if (fault) {
      record.fault = fault;
      if (await this.applyEarlyFault(fault, 'openai', '', req, res)) return;
    }
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', model: 'scripted-llm', requests: this.state.seq });
    if (req.method === 'GET' && path === '/v1/models') return sendJson(res, 200, modelList());
    sendJson(res, 404, {
      error: {
        message: `Unknown route ${req.method} ${path}. The scripted LLM server speaks POST /v1/chat/completions, POST /v1/messages, GET /v1/models, GET /health and /__control/*.`,
        type: 'not_found_error',
      },
    });
  }

  private async chat(api: WireApi, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const requestNumber = ++this.state.chatCount;
    const model = typeof (record.body as { model?: unknown } | null)?.model === 'string' ? (record.body as { model: string }).model : '';
    const fault = this.state.faults.take(record.path);
    if (fault) record.fault = fault;
    if (fault && (await this.applyEarlyFault(fault, api, model, req, res))) return;

    let view: ConversationView;
    try {
      if (typeof record.body !== 'object' || record.body === null) throw new WireRequestError('The request body must be a JSON object.');
      view = api === 'openai' ? openAIView(record.body) : anthropicView(record.body, verifySignature);
    } catch (error) {
      if (!(error instanceof WireRequestError)) throw error;
      return sendError(res, api, 400, error.message);
    }
    const reply = evaluateRules(this.state.rules, view, requestNumber);
    record.ruleName = reply.ruleName;
    this.log?.(`#${record.seq} ${record.path} ${view.stream ? 'stream' : 'plain'} -> ${reply.ruleName}${fault ? ' (fault)' : ''}`);
    if (reply.delayMs && !(await sleep(reply.delayMs, req, this.closing))) return;

    const malformed = fault?.malformedToolCall === true ? 'unrepairable' : fault?.malformedToolCall || undefined;
    if (malformed && reply.toolCalls.length === 0) {
      reply.toolCalls.push({ name: view.tools[0] ?? 'exec', arguments: { command: 'echo scripted' } });
      reply.text = null;
    }
    const wire = buildWireReply(reply, view, {
      requestNumber,
      idToken: this.state.idToken,
      signingSecret: SIGNING_SECRET,
      promptChars: JSON.stringify(record.body).length,
      ...(malformed ? { malformed } : {}),
    });
    const dropMidStream = fault?.dropConnection === 'mid-stream';
    if (!view.stream) {
      if (dropMidStream) return void res.socket?.destroy();
      return sendJson(res, 200, api === 'openai' ? openAICompletion(wire) : anthropicMessage(wire), requestIdHeader(api, wire.id));
    }
    const events: SseEvent[] =
      api === 'openai'
        ? [...openAIChunks(wire, view.includeUsage).map((data) => ({ event: '', data })), { event: '', data: { done: true } }]
        : anthropicEvents(wire);
    await writeSse(res, api, events, dropMidStream, requestIdHeader(api, wire.id), reply.stream?.pauseMs ?? 0);
  }

  /** Delay, drop, or error status. Returns true when the request has been answered (or dropped). */
  private async applyEarlyFault(fault: Fault, api: WireApi, model: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (fault.delayMs && !(await sleep(fault.delayMs, req, this.closing))) return true;
    if (fault.dropConnection === true) {
      req.socket.destroy();
      return true;
    }
    if (fault.status !== undefined || fault.contextLength) {
      const response = faultResponse(fault, api, model);
      sendJson(res, response.status, response.body, response.headers);
      return true;
    }
    return false;
  }

  private control(method: string, path: string, body: unknown, res: ServerResponse): void {
    try {
      if (method === 'POST' && path === '/__control/faults') {
        const faults = parseFaults(body);
        this.state.faults.add(faults);
        return sendJson(res, 200, { queued: faults.length, pending: this.state.faults.size });
      }
      if (method === 'DELETE' && path === '/__control/faults') {
        this.state.faults.clear();
        return sendJson(res, 200, { pending: 0 });
      }
      if (method === 'POST' && path === '/__control/script') {
        this.state.rules = compileScript(body as ScriptInput);
        return sendJson(res, 200, { rules: this.state.rules.length });
      }
      if (method === 'GET' && path === '/__control/requests') return sendJson(res, 200, { requests: this.state.requests });
      if (method === 'POST' && path === '/__control/reset') {
        this.state.rules = this.state.initialRules;
        this.state.faults.clear();
        this.state.requests.length = 0;
        this.state.chatCount = 0;
        return sendJson(res, 200, { reset: true });
      }
      sendJson(res, 404, {
        error: { message: `Unknown control route ${method} ${path}. Use POST/DELETE /__control/faults, POST /__control/script, GET /__control/requests, POST /__control/reset.` },
      });
    } catch (error) {
      sendJson(res, 400, { error: { message: (error as Error).message } });
    }
  }
}

function verifySignature(thinking: string, signature: string): boolean {
  return signature === signThinking(thinking, SIGNING_SECRET);
}

function modelList(): Record<string, unknown> {
  const models = ['scripted-llm'].map((id) => ({
    id,
    object: 'model',
    created: 0,
    owned_by: 'exoclaw-scripted',
    type: 'model',
    display_name: 'Scripted LLM (not a real model)',
    created_at: '1970-01-01T00:00:00Z',
  }));
  return { object: 'list', data: models, has_more: false, first_id: 'scripted-llm', last_id: 'scripted-llm' };
}

function requestIdHeader(api: WireApi, id: string): Record<string, string> {
  return api === 'openai' ? { 'x-request-id': `req_${id}` } : { 'request-id': `req_${id}` };
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = REDACTED_HEADERS.has(name) ? '[REDACTED]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string): unknown {
  if (raw.trim() === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, api: WireApi, status: number, message: string): void {
  const body =
    api === 'anthropic'
      ? { type: 'error', error: { type: 'invalid_request_error', message } }
      : { error: { message, type: 'invalid_request_error', param: null, code: null } };
  sendJson(res, status, body);
}

async function writeSse(
  res: ServerResponse,
  api: WireApi,
  events: SseEvent[],
  dropMidStream: boolean,
  headers: Record<string, string>,
  pauseMs: number,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
  const cut = dropMidStream ? Math.max(1, Math.floor(events.length / 2)) : events.length;
  for (const [index, { event, data }] of events.entries()) {
    if (index === cut) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the first half reach the client
      res.socket?.destroy();
      return;
    }
    if (res.destroyed) return;
    if (api === 'openai') res.write((data as { done?: boolean }).done ? 'data: [DONE]\n\n' : `data: ${JSON.stringify(data)}\n\n`);
    else res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    // Separate writes land in separate reads, like a real stream (a slow model pauses between them).
    await new Promise((resolve) => (pauseMs > 0 ? setTimeout(resolve, pauseMs) : setImmediate(resolve)));
  }
  res.end();
}

/** Waits, unless the client goes away or the server closes first (then returns false). */
function sleep(ms: number, req: IncomingMessage, closing: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (finished: boolean): void => {
      clearTimeout(timer);
      req.socket.off('close', onGone);
      closing.removeEventListener('abort', onGone);
      resolve(finished);
    };
    const onGone = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    req.socket.on('close', onGone);
    closing.addEventListener('abort', onGone, { once: true });
  });
}

export type { FaultInput, Fault, ScriptInput };
