// Fakes of the chat platforms' HTTP APIs, written for the tests (one home for them): real HTTP
// servers that record what they are sent, answer like the platform, and can be told to fail.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { webhookSignatureProblem } from '../../src/channels/webhook/webhook-signature.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** What a fake does with the next requests: fail with a status (and Retry-After), or hold them unanswered. */
export interface Fault {
  status?: number;
  retryAfterSeconds?: number;
  /** Never answer (the sender's worker is then killed by the test). */
  hang?: boolean;
}

export interface WebhookPost {
  key: string;
  body: { chatId: string; text: string; kind: string; key: string; part: number; parts: number };
  at: number;
  signatureProblem: string | undefined;
}

/**
 * A webhook receiver as a user would write one: verifies the signature, de-duplicates on the
 * Idempotency-Key header, records each key's first delivery (and every attempt).
 */
export interface FakeWebhookReceiver {
  url: string;
  /** First delivery of each idempotency key, in arrival order. */
  delivered: WebhookPost[];
  /** Every POST, duplicates and refused ones included. */
  attempts: WebhookPost[];
  faults: Fault[];
  close(): Promise<void>;
}

export async function startFakeWebhookReceiver(secret: string): Promise<FakeWebhookReceiver> {
  const receiver: Omit<FakeWebhookReceiver, 'url' | 'close'> = { delivered: [], attempts: [], faults: [] };
  const server = createServer((request, response) => {
    void (async () => {
      const raw = await bodyOf(request);
      const post: WebhookPost = {
        key: String(request.headers['idempotency-key'] ?? ''),
        body: JSON.parse(raw) as WebhookPost['body'],
        at: Date.now(),
        signatureProblem: webhookSignatureProblem(
          secret,
          request.headers['x-exoclaw-timestamp'] as string | undefined,
          request.headers['x-exoclaw-signature'] as string | undefined,
          raw,
        ),
      };
      receiver.attempts.push(post);
      const fault = receiver.faults.shift();
      if (fault?.hang) {
        // Record it as taken, as a platform that processed it but whose answer was lost would.
        if (!receiver.delivered.some((d) => d.key === post.key)) receiver.delivered.push(post);
        return;
      }
      if (fault?.status) {
        const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
        return json(response, fault.status, { error: 'fault' }, headers);
      }
      if (post.signatureProblem) return json(response, 401, { error: post.signatureProblem });
      const duplicate = receiver.delivered.some((d) => d.key === post.key);
      if (!duplicate) receiver.delivered.push(post);
      json(response, 200, { ok: true, duplicate });
    })();
  });
  const url = await listen(server);
  return Object.assign(receiver, { url, close: () => close(server) });
}

/** What the fake Bot API was asked to send. */
export interface TelegramSent {
  method: 'sendMessage' | 'sendChatAction' | 'editMessageText' | 'deleteMessage';
  chatId: string;
  /** sendMessage: the id given; editMessageText: the message edited. */
  messageId?: number;
  text?: string;
  action?: string;
  at: number;
}

/**
 * A fake Telegram Bot API: `getUpdates` long-polls a queue of updates (honouring `offset` as
 * Telegram does), `sendMessage`, `sendChatAction`, `editMessageText` and `deleteMessage` are recorded; a wrong
 * token gets 401. Edits answer as Telegram does: 400 "message is not modified" for the same text,
 * 400 "message to edit not found" for a message it never sent (or one `deleteByUser` removed).
 */
export interface FakeTelegram {
  url: string;
  sent: TelegramSent[];
  /** sendMessage faults, used in order. */
  faults: Fault[];
  /** editMessageText faults, used in order (429 with retryAfterSeconds; `hang`: applied, never answered). */
  editFaults: Fault[];
  /** Every editMessageText request, refused ones included. */
  editAttempts: number;
  /** Each message's text as the chat shows it now (after its edits), by message id. */
  texts: Map<number, { chatId: string; text: string }>;
  /** The user deletes a message: later edits of it are refused. */
  deleteByUser(messageId: number): void;
  editsTo(chatId: number | string): TelegramSent[];
  /** Offsets the poller confirmed with. */
  offsets: number[];
  /** Queues a text message from a user; returns the update. */
  userMessage(chatId: number, from: { id: number; username?: string }, text: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** Serves an update again as it was (what Telegram does when its confirmation never arrived). */
  redeliver(update: Record<string, unknown>): void;
  /** The messages a chat shows, in order, each with its text as edited since (deleted ones gone). */
  messagesTo(chatId: number | string): TelegramSent[];
  /** What `setWebhook` registered (webhook mode), if anything. */
  webhook: { url: string; secretToken?: string; allowedUpdates?: unknown } | undefined;
  /**
   * Webhook mode: POSTs an update to the registered URL as Telegram does, with the registered
   * secret token unless `secretToken` says otherwise (null: no header). Returns the HTTP status.
   */
  postUpdate(update: Record<string, unknown>, secretToken?: string | null): Promise<number>;
  /** A user's message as an update, not queued for getUpdates (for postUpdate). */
  makeUpdate(chatId: number, from: { id: number; username?: string }, text: string): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startFakeTelegram(token: string): Promise<FakeTelegram> {
  const queue: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let confirmed = 0;
  const redelivered = new WeakSet<object>();
  const makeUpdate = (chatId: number, from: { id: number; username?: string }, text: string, extra: Record<string, unknown> = {}) => ({
    update_id: nextUpdateId++,
    message: { message_id: nextMessageId++, from: { is_bot: false, first_name: 'Test', ...from }, chat: { id: chatId, type: 'private' }, date: Math.floor(Date.now() / 1000), text, ...extra },
  });
  const fake: Omit<FakeTelegram, 'url' | 'close'> = {
    sent: [],
    faults: [],
    editFaults: [],
    editAttempts: 0,
    texts: new Map(),
    deleteByUser: (messageId) => void fake.texts.delete(messageId),
    editsTo: (chatId) => fake.sent.filter((s) => s.method === 'editMessageText' && s.chatId === String(chatId)),
    offsets: [],
    webhook: undefined,
    makeUpdate: (chatId, from, text) => makeUpdate(chatId, from, text),
    async postUpdate(update, secretToken) {
      if (!fake.webhook) throw new Error('no webhook registered (setWebhook was not called)');
      const token = secretToken === undefined ? fake.webhook.secretToken : secretToken;
      const response = await fetch(fake.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token !== null && token !== undefined ? { 'x-telegram-bot-api-secret-token': token } : {}) },
        body: JSON.stringify(update),
      });
      await response.text();
      return response.status;
    },
    userMessage(chatId, from, text, extra = {}) {
      const update = makeUpdate(chatId, from, text, extra);
      queue.push(update);
      for (const wake of waiting) wake();
      return update;
    },
    redeliver(update) {
      const copy = { ...update };
      redelivered.add(copy);
      queue.push(copy);
      for (const wake of waiting) wake();
    },
    // What the chat shows: each message sent, with its text as edited since.
    messagesTo: (chatId) =>
      fake.sent
        .filter((s) => s.method === 'sendMessage' && s.chatId === String(chatId) && fake.texts.has(s.messageId!))
        .map((s) => ({ ...s, text: fake.texts.get(s.messageId!)!.text })),
  };
  const server = createServer((request, response) => {
    void (async () => {
      const match = /^\/bot([^/]+)\/(\w+)$/.exec(request.url ?? '');
      const params = JSON.parse((await bodyOf(request)) || '{}') as Record<string, unknown>;
      if (!match || match[1] !== token) return json(response, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const method = match[2];
      if (method === 'getUpdates' && fake.webhook) {
        return json(response, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active" });
      }
      if (method === 'getUpdates') {
        const offset = typeof params.offset === 'number' ? params.offset : undefined;
        if (offset !== undefined) {
          fake.offsets.push(offset);
          confirmed = Math.max(confirmed, offset);
          // Confirmed updates are gone, unless queued again on purpose.
          for (let i = queue.length - 1; i >= 0; i--) if ((queue[i]!.update_id as number) < confirmed && !redelivered.has(queue[i]!)) queue.splice(i, 1);
        }
        if (queue.length === 0) {
          const timeoutMs = Math.min(Number(params.timeout ?? 0) * 1000, 1000);
          await new Promise<void>((resolve) => {
            const wake = (): void => {
              waiting.delete(wake);
              resolve();
            };
            waiting.add(wake);
            setTimeout(wake, timeoutMs);
          });
        }
        const updates = queue.splice(0);
        return json(response, 200, { ok: true, result: updates });
      }
      if (method === 'setWebhook') {
        if (typeof params.url !== 'string') return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: bad webhook: URL required' });
        fake.webhook = {
          url: params.url,
          ...(typeof params.secret_token === 'string' ? { secretToken: params.secret_token } : {}),
          allowedUpdates: params.allowed_updates,
        };
        return json(response, 200, { ok: true, result: true, description: 'Webhook was set' });
      }
      const refuse = (fault: Fault | undefined): boolean => {
        if (!fault?.status) return false;
        json(response, fault.status, {
          ok: false,
          error_code: fault.status,
          description: fault.status === 429 ? `Too Many Requests: retry after ${fault.retryAfterSeconds ?? 1}` : 'fault',
          ...(fault.retryAfterSeconds !== undefined ? { parameters: { retry_after: fault.retryAfterSeconds } } : {}),
        });
        return true;
      };
      if (method === 'editMessageText') {
        fake.editAttempts += 1;
        const fault = fake.editFaults.shift();
        if (refuse(fault)) return;
        const messageId = Number(params.message_id);
        const current = fake.texts.get(messageId);
        if (fault?.hang) {
          // Taken but never answered: the edit shows, its sender never hears back.
          if (current) current.text = String(params.text);
          return;
        }
        if (!current || current.chatId !== String(params.chat_id)) {
          return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' });
        }
        if (current.text === params.text) {
          return json(response, 400, {
            ok: false,
            error_code: 400,
            description: 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same',
          });
        }
        current.text = String(params.text);
        fake.sent.push({ method, chatId: current.chatId, messageId, text: current.text, at: Date.now() });
        return json(response, 200, { ok: true, result: { message_id: messageId, chat: { id: params.chat_id }, text: current.text } });
      }
      if (method === 'deleteMessage') {
        const messageId = Number(params.message_id);
        if (fake.texts.get(messageId)?.chatId !== String(params.chat_id)) {
          return json(response, 400, { ok: false, error_code: 400, description: 'Bad Request: message to delete not found' });
        }
        fake.texts.delete(messageId);
        fake.sent.push({ method, chatId: String(params.chat_id), messageId, at: Date.now() });
        return json(response, 200, { ok: true, result: true });
      }
      if (method === 'sendMessage' || method === 'sendChatAction') {
        if (method === 'sendMessage' && refuse(fake.faults.shift())) return;
        const messageId = method === 'sendMessage' ? nextMessageId++ : undefined;
        if (messageId !== undefined) fake.texts.set(messageId, { chatId: String(params.chat_id), text: String(params.text) });
        fake.sent.push({
          method,
          chatId: String(params.chat_id),
          ...(messageId !== undefined ? { messageId } : {}),
          ...(typeof params.text === 'string' ? { text: params.text } : {}),
          ...(typeof params.action === 'string' ? { action: params.action } : {}),
          at: Date.now(),
        });
        return json(response, 200, { ok: true, result: messageId !== undefined ? { message_id: messageId, chat: { id: params.chat_id } } : true });
      }
      json(response, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    })();
  });
  const url = await listen(server);
  return Object.assign(fake, {
    url,
    close: async () => {
      for (const wake of waiting) wake();
      await close(server);
    },
  });
}

export interface SlackPost {
  channel: string;
  text: string;
  threadTs?: string;
  at: number;
}

/** A Socket Mode envelope as the fake sends it. */
export interface SlackEnvelope {
  envelope_id: string;
  type: 'events_api';
  accepts_response_payload: false;
  retry_attempt: number;
  retry_reason: string;
  payload: { type: 'event_callback'; event_id: string; team_id: string; api_app_id: string; event_time: number; event: Record<string, unknown> };
}

/**
 * A fake Slack Web API: `chat.postMessage` with the bot token recorded; a wrong token gets
 * `invalid_auth`. With an app token it also does Socket Mode: `apps.connections.open` hands out
 * single-use `ws://…/link/?ticket=…` URLs, and a real WebSocket server behind them says `hello`,
 * pushes `events_api` envelopes, records acknowledgements, and can send `disconnect` or drop the
 * socket. As Slack does, an envelope a dropped socket never acknowledged is sent again (retry_attempt
 * + 1) on the next connection, and events pushed while no socket is open wait for one.
 */
export interface FakeSlack {
  url: string;
  posts: SlackPost[];
  faults: Fault[];
  socket: {
    /** apps.connections.open calls that got a URL. */
    urlsIssued: number;
    /** Connections that got their hello, in order. */
    connections: number;
    /** Acknowledged envelope ids, in arrival order. */
    acks: { envelopeId: string; at: number }[];
    /** Every envelope sent, redeliveries included. */
    sent: SlackEnvelope[];
    /** How sockets ended: closed by the client (with its close code) or dropped by the fake. */
    closes: { by: 'client' | 'fake'; code: number }[];
    openSockets(): number;
    /** Pushes an event (as an events_api envelope) to the newest open socket, or queues it. */
    pushEvent(event: Record<string, unknown>, eventId?: string): SlackEnvelope;
    /** Sends an envelope's event again, as Slack's retry does (a new envelope id, retry_attempt + 1). */
    redeliver(envelope: SlackEnvelope): SlackEnvelope;
    acknowledged(envelope: SlackEnvelope): boolean;
    /** Whether some envelope carrying this event (the first or a retry) was acknowledged. */
    eventAcknowledged(eventId: string): boolean;
    /** Sends `disconnect` on the newest socket; the fake closes that socket `closeAfterMs` later if the client has not. */
    disconnect(reason?: string, closeAfterMs?: number): void;
    /** Drops the newest socket with no close frame (a dead link). */
    drop(): void;
    /** Stops reading the newest socket, so its pings go unanswered (a link that died silently). */
    freeze(): void;
  };
  close(): Promise<void>;
}

export async function startFakeSlack(botToken: string, opts: { appToken?: string } = {}): Promise<FakeSlack> {
  let ts = 1_700_000_000;
  let ticket = 0;
  let envelopeSeq = 0;
  const tickets = new Set<string>();
  const open: WebSocket[] = [];
  const everySocket = new Set<WebSocket>();
  const queued: SlackEnvelope[] = [];
  const inFlight = new Map<WebSocket, Map<string, SlackEnvelope>>();
  const droppedByFake = new WeakSet<WebSocket>();
  const newest = (): WebSocket | undefined => open.at(-1);
  const deliver = (envelope: SlackEnvelope): void => {
    fakeSocket.sent.push(envelope);
    const socket = newest();
    if (!socket) return void queued.push(envelope);
    inFlight.get(socket)!.set(envelope.envelope_id, envelope);
    socket.send(JSON.stringify(envelope));
  };
  const again = (envelope: SlackEnvelope, reason: string): SlackEnvelope => ({
    ...envelope,
    envelope_id: `env-${++envelopeSeq}`,
    retry_attempt: envelope.retry_attempt + 1,
    retry_reason: reason,
  });
  const fakeSocket: FakeSlack['socket'] = {
    urlsIssued: 0,
    connections: 0,
    acks: [],
    sent: [],
    closes: [],
    openSockets: () => open.length,
    pushEvent(event, eventId = `Ev${Math.random().toString(36).slice(2)}`) {
      const envelope: SlackEnvelope = {
        envelope_id: `env-${++envelopeSeq}`,
        type: 'events_api',
        accepts_response_payload: false,
        retry_attempt: 0,
        retry_reason: '',
        payload: { type: 'event_callback', event_id: eventId, team_id: 'T1', api_app_id: 'A1', event_time: Math.floor(Date.now() / 1000), event },
      };
      deliver(envelope);
      return envelope;
    },
    redeliver(envelope) {
      const retry = again(envelope, 'timeout');
      deliver(retry);
      return retry;
    },
    acknowledged: (envelope) => fakeSocket.acks.some((a) => a.envelopeId === envelope.envelope_id),
    eventAcknowledged: (eventId) =>
      fakeSocket.sent.some((e) => e.payload.event_id === eventId && fakeSocket.acknowledged(e)),
    disconnect(reason = 'refresh_requested', closeAfterMs = 10_000) {
      const socket = newest();
      if (!socket) throw new Error('no open socket to disconnect');
      socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'fake-slack' } }));
      setTimeout(() => socket.close(1000), closeAfterMs).unref();
    },
    freeze() {
      const socket = newest();
      if (!socket) throw new Error('no open socket to freeze');
      open.splice(open.indexOf(socket), 1);
      socket.pause();
    },
    drop() {
      const socket = newest();
      if (!socket) throw new Error('no open socket to drop');
      droppedByFake.add(socket);
      // Gone at once: what is pushed from now on waits for the next connection.
      open.splice(open.indexOf(socket), 1);
      socket.terminate();
    },
  };
  const fake: Omit<FakeSlack, 'url' | 'close'> = { posts: [], faults: [], socket: fakeSocket };
  const server = createServer((request, response) => {
    void (async () => {
      const params = JSON.parse((await bodyOf(request)) || '{}') as Record<string, string>;
      if (request.url === '/apps.connections.open') {
        if (!opts.appToken || request.headers.authorization !== `Bearer ${opts.appToken}`) return json(response, 200, { ok: false, error: 'invalid_auth' });
        const issued = `t${++ticket}`;
        tickets.add(issued);
        fakeSocket.urlsIssued += 1;
        return json(response, 200, { ok: true, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/?ticket=${issued}&app_id=A1` });
      }
      if (request.headers.authorization !== `Bearer ${botToken}`) return json(response, 200, { ok: false, error: 'invalid_auth' });
      if (request.url !== '/chat.postMessage') return json(response, 404, { ok: false, error: 'unknown_method' });
      const fault = fake.faults.shift();
      if (fault?.status === 429) return json(response, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(fault.retryAfterSeconds ?? 1) });
      if (params.channel === 'C_GONE') return json(response, 200, { ok: false, error: 'channel_not_found' });
      fake.posts.push({ channel: params.channel!, text: params.text!, ...(params.thread_ts ? { threadTs: params.thread_ts } : {}), at: Date.now() });
      json(response, 200, { ok: true, channel: params.channel, ts: `${ts++}.000100` });
    })();
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, tcp, head) => {
    const url = new URL(request.url ?? '/', 'http://fake-slack');
    const issued = url.searchParams.get('ticket') ?? '';
    // A ticket is good for one connection, as Slack's are: a reconnect must ask for a new URL.
    if (url.pathname !== '/link/' || !tickets.delete(issued)) {
      tcp.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, tcp, head, (socket) => {
      open.push(socket);
      everySocket.add(socket);
      inFlight.set(socket, new Map());
      fakeSocket.connections += 1;
      socket.send(JSON.stringify({ type: 'hello', num_connections: open.length, debug_info: { host: 'fake-slack' }, connection_info: { app_id: 'A1' } }));
      for (const envelope of queued.splice(0)) deliver(envelope);
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as { envelope_id?: string };
        if (!ack.envelope_id) return;
        fakeSocket.acks.push({ envelopeId: ack.envelope_id, at: Date.now() });
        inFlight.get(socket)?.delete(ack.envelope_id);
      });
      socket.on('close', (code) => {
        if (open.includes(socket)) open.splice(open.indexOf(socket), 1);
        fakeSocket.closes.push({ by: droppedByFake.has(socket) ? 'fake' : 'client', code });
        const unacknowledged = [...(inFlight.get(socket)?.values() ?? [])];
        inFlight.delete(socket);
        // Slack retries what was never acknowledged.
        for (const envelope of unacknowledged) deliver(again(envelope, 'connection_closed'));
      });
    });
  });
  const url = await listen(server);
  return Object.assign(fake, {
    url,
    close: async () => {
      for (const socket of everySocket) socket.terminate();
      wss.close();
      await close(server);
    },
  });
}
