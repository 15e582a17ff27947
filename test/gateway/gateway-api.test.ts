// The gateway end to end: a real gateway process and a real worker process on the shared dev
// server, a scripted model, and callers over real HTTP — fetch for the session API and SSE, the
// official `openai` client for the OpenAI-compatible endpoint.
import { connect } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait.js';
import { failureMessage, runCli, spawnCli } from '../cli/cli-process.js';
import { readSse, startGatewayStack, type GatewayStack } from './gateway-stack.js';

let stack: GatewayStack & { tokens: Record<string, string> };
let token: string;

const LIMITS = {
  bodyLimitBytes: 4096,
  rateLimitPerMinute: 40,
  maxStreamsPerToken: 2,
  headersTimeoutMs: 1500,
  requestTimeoutMs: 2500,
};

beforeAll(async () => {
  stack = await startGatewayStack({
    gateway: LIMITS,
    tokens: { main: undefined, 'team-a': 'team-a:', burst: undefined, streams: undefined },
  });
  token = stack.tokens['main']!;
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const bearer = init.token === undefined ? token : init.token;
  if (bearer !== null) headers.set('authorization', `Bearer ${bearer}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${stack.url}${path}`, { ...init, headers });
}

interface StreamEvent {
  seq: number;
  type: string;
  turnId?: string;
  messageId?: string;
  text?: string;
  content?: string;
  step?: string;
  attempt?: number;
  status?: string;
  name?: string;
  detail?: string;
  phase?: string;
}

function parsed(events: { data: string }[]): StreamEvent[] {
  return events.map((e) => JSON.parse(e.data) as StreamEvent);
}

describe('gateway: session API and event stream', () => {
  it('answers probes, sends a message, and streams its tokens to an SSE client', async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);

    const controller = new AbortController();
    const response = await call('/v1/sessions/s-stream/events', { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const sse = readSse(response);

    const sent = await call('/v1/sessions/s-stream/messages', { method: 'POST', body: JSON.stringify({ text: 'my name is Ada', messageId: 'm1' }) });
    expect(sent.status).toBe(200);
    const body = (await sent.json()) as { messageId: string; reply: { content: string; status: string } };
    expect(body.messageId).toBe('m1');
    expect(body.reply.status).toBe('completed');
    expect(body.reply.content).toBe("[scripted-llm] Nice to meet you, Ada! I'll remember that.");

    await waitUntil('the reply event on the SSE stream', () => parsed(sse.events).some((e) => e.type === 'reply' && e.messageId === 'm1'));
    controller.abort();
    const events = parsed(sse.events);
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length, 'the answer arrives as several token deltas').toBeGreaterThan(1);
    expect(deltas.map((d) => d.text).join('')).toBe(body.reply.content);
    // Every SSE frame carries its sequence number as the event id, in order.
    expect(sse.events.map((e) => Number(e.id))).toEqual(events.map((e) => e.seq));
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(events.map((e) => e.type)).toContain('turn_started');

    // The same message id again: the first reply, no second turn.
    const again = await call('/v1/sessions/s-stream/messages', { method: 'POST', body: JSON.stringify({ text: 'my name is Bob', messageId: 'm1' }) });
    expect(((await again.json()) as typeof body).reply.content).toBe(body.reply.content);

    const status = (await (await call('/v1/sessions/s-stream')).json()) as { running: boolean; lastEventSeq: number; status: { turnCount: number } };
    expect(status.running).toBe(true);
    expect(status.status.turnCount).toBe(1);
    expect(status.lastEventSeq).toBeGreaterThanOrEqual(events.at(-1)!.seq);

    const history = (await (await call('/v1/sessions/s-stream/history')).json()) as { messages: { role: string; content: string }[] };
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const list = (await (await call('/v1/sessions')).json()) as { sessions: { id: string }[] };
    expect(list.sessions.map((s) => s.id)).toContain('s-stream');
  });

  it('resumes with Last-Event-ID without losing or repeating an event', async () => {
    const sent = await call('/v1/sessions/s-resume/messages', { method: 'POST', body: JSON.stringify({ text: 'what is my name?', wait: false }) });
    expect(sent.status).toBe(202);
    const { messageId } = (await sent.json()) as { messageId: string };

    // First reader: from the start, goes away after a few events.
    const first = new AbortController();
    const firstSse = readSse(await call('/v1/sessions/s-resume/events', { signal: first.signal }));
    await waitUntil('three events', () => firstSse.events.length >= 3);
    first.abort();
    await firstSse.closed;
    const seen = [...firstSse.events];
    const lastId = seen.at(-1)!.id!;

    // Second reader resumes after the last id it saw, until the reply.
    const second = new AbortController();
    const secondSse = readSse(await call('/v1/sessions/s-resume/events', { signal: second.signal, headers: { 'last-event-id': lastId } }));
    // The first reader may already have seen the end of a quick turn: look at both readers' events.
    const both = (): StreamEvent[] => parsed([...seen, ...secondSse.events]);
    await waitUntil('the reply', () => both().some((e) => e.type === 'reply' && e.messageId === messageId), { timeoutMs: 60_000 });
    await waitUntil('turn_finished', () => both().some((e) => e.type === 'turn_finished'), { timeoutMs: 10_000 });
    second.abort();

    const joined = parsed([...seen, ...secondSse.events]).map((e) => e.seq);
    const everything = new AbortController();
    const all = readSse(await call('/v1/sessions/s-resume/events', { signal: everything.signal }));
    await waitUntil('every event again', () => all.events.length >= joined.length);
    everything.abort();
    expect(joined).toEqual(parsed(all.events).map((e) => e.seq).slice(0, joined.length));
    expect(new Set(joined).size).toBe(joined.length);
    expect(joined[0]).toBe(1);
    expect(joined.at(-1)! - joined[0]! + 1).toBe(joined.length);
  });

  it('shows a running tool with its progress and stops it', async () => {
    const controller = new AbortController();
    const sse = readSse(await call('/v1/sessions/s-stop/events', { signal: controller.signal }));
    const command = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo tick $i; sleep 1; done';
    const sent = await call('/v1/sessions/s-stop/messages', { method: 'POST', body: JSON.stringify({ text: `run the command "${command}"`, wait: false }) });
    expect(sent.status).toBe(202);
    await waitUntil('the exec tool started', () => parsed(sse.events).some((e) => e.type === 'tool_started' && e.name === 'exec'), { timeoutMs: 60_000 });
    await waitUntil('a progress line from the tool', () => parsed(sse.events).some((e) => e.type === 'progress' && /tick \d/.test(e.detail ?? '')), {
      timeoutMs: 30_000,
    });
    const stopped = await call('/v1/sessions/s-stop/stop', { method: 'POST' });
    expect(stopped.status).toBe(200);
    await waitUntil('the turn finished as stopped', () => parsed(sse.events).some((e) => e.type === 'turn_finished' && e.status === 'stopped'), {
      timeoutMs: 30_000,
    });
    controller.abort();
  });
});

describe('gateway: OpenAI-compatible endpoint (official openai client)', () => {
  it('streams the answer as chat-completion chunks and answers without streaming too', async () => {
    const openai = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0 });
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['scripted/scripted-llm']);

    const stream = await openai.chat.completions.create({
      model: 'scripted/scripted-llm',
      messages: [{ role: 'user', content: 'my name is Grace' }],
      stream: true,
      user: 'oa-1',
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) pieces.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    expect(finish).toBe('stop');
    expect(pieces.length, 'the answer arrives in several chunks').toBeGreaterThan(1);
    const text = pieces.join('');
    expect(text).toBe("[scripted-llm] Nice to meet you, Grace! I'll remember that.");
    const status = (await (await call('/v1/sessions/oa-1')).json()) as { status: { lastReply: { content: string } } };
    expect(status.status.lastReply.content).toBe(text);

    // The session holds the history: only the last user message is sent, and the answer uses the past.
    const plain = await openai.chat.completions.create(
      { model: 'scripted/scripted-llm', messages: [{ role: 'user', content: 'what is my name?' }] },
      { headers: { 'x-session-id': 'oa-1' } },
    );
    expect(plain.choices[0]?.message.content).toBe('[scripted-llm] Your name is Grace.');
  });
});

describe('gateway: auth and limits', () => {
  it('answers 401 without a token or with a wrong one, 403 outside a token scope', async () => {
    const none = await call('/v1/sessions/x', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('/v1/sessions/x', { token: 'exo_gw_not-a-real-token-at-all-000000000000' })).status).toBe(401);
    expect((await call('/v1/sessions/x', { token: `${token}x` })).status).toBe(401);

    const teamA = stack.tokens['team-a']!;
    expect((await call('/v1/sessions/team-b:1', { token: teamA })).status).toBe(403);
    expect((await call('/v1/sessions/team-b:1/events', { token: teamA })).status).toBe(403);
    expect((await call('/v1/sessions/team-a:1', { token: teamA })).status).toBe(200);
    const openai = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: teamA, maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], user: 'team-b:1' })).rejects.toMatchObject({
      status: 403,
    });
    await expect(new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'wrong', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
  });

  it('answers 413 for a body over the limit', async () => {
    const big = await call('/v1/sessions/s-big/messages', { method: 'POST', body: JSON.stringify({ text: 'x'.repeat(LIMITS.bodyLimitBytes + 10) }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toContain('bodyLimitBytes');
  });

  it('answers 429 with Retry-After past the rate limit, per token', async () => {
    const burst = stack.tokens['burst']!;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LIMITS.rateLimitPerMinute + 5; i++) {
      const response = await call('/v1/models', { token: burst });
      statuses.push(response.status);
      if (response.status === 429) retryAfter ??= response.headers.get('retry-after');
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(LIMITS.rateLimitPerMinute);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Another token is not limited by this one's burst.
    expect((await call('/v1/models')).status).toBe(200);
  });

  it('bounds the streams one token holds open (429), and frees a slot when one closes', async () => {
    const streams = stack.tokens['streams']!;
    const open = [new AbortController(), new AbortController()];
    for (const [i, controller] of open.entries()) {
      const response = await call(`/v1/sessions/s-streams-${i}/events`, { token: streams, signal: controller.signal });
      expect(response.status).toBe(200);
      readSse(response);
    }
    const third = await call('/v1/sessions/s-streams-2/events', { token: streams });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBeTruthy();
    open[0]!.abort();
    await waitUntil('a slot is free again', async () => {
      const controller = new AbortController();
      const response = await call('/v1/sessions/s-streams-2/events', { token: streams, signal: controller.signal });
      controller.abort();
      return response.status === 200;
    });
    open[1]!.abort();
  });

  it('answers 408 when headers or the body do not arrive in time', async () => {
    const { port } = new URL(stack.url);
    const rawExchange = (request: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        socket.setTimeout(20_000, () => {
          socket.destroy();
          resolve(answer);
        });
      });
    // Headers never finished.
    expect(await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\n')).toMatch(/^HTTP\/1\.1 408/);
    // A body announced but never sent.
    const slowBody = `POST /v1/sessions/s/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":`;
    expect(await rawExchange(slowBody)).toMatch(/^HTTP\/1\.1 408/);
  });

  it('never writes a token to its log', async () => {
    // Every token was used above; the gateway logs at debug level in these tests.
    await waitUntil('request lines in the log', () => stack.gateway.stderr().includes('request completed'));
    for (const [name, secret] of Object.entries(stack.tokens)) {
      expect(stack.gateway.stderr(), `token ${name}`).not.toContain(secret);
      expect(stack.gateway.stderr(), `token ${name}`).not.toContain(secret.slice(8, 30));
    }
    expect(stack.worker.stderr()).not.toContain(token);
  });

  it('refuses to listen beyond loopback with no token, and says how to make one', async () => {
    const lonely = spawnCli(['gateway', ...stack.connectionArgs, '--state-dir', `${stack.home}/empty-state`, '--host', '0.0.0.0', '--port', '0'], stack.env);
    const { code } = await lonely.exited;
    expect(code).toBe(1);
    expect(failureMessage(lonely.stderr())).toMatch(/refusing to listen on 0\.0\.0\.0 with no tokens.*gateway token create/);
  });

  it('token list shows names and scopes, never tokens; revoke locks the token out', async () => {
    const listed = await runCli(['gateway', 'token', 'list', '--json', '--config', stack.configPath, '--state-dir', stack.stateDir], stack.env);
    expect(listed.code, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { tokens: { name: string; sessions?: string }[] };
    expect(list.tokens.find((t) => t.name === 'team-a')?.sessions).toBe('team-a:');
    for (const secret of Object.values(stack.tokens)) expect(listed.stdout).not.toContain(secret);

    const temp = await stack.createToken('temp');
    expect((await call('/v1/models', { token: temp })).status).toBe(200);
    const revoked = await runCli(['gateway', 'token', 'revoke', '--name', 'temp', '--config', stack.configPath, '--state-dir', stack.stateDir], stack.env);
    expect(revoked.code, revoked.stderr).toBe(0);
    await waitUntil('the revoked token is refused', async () => (await call('/v1/models', { token: temp })).status === 401);
  });
});
