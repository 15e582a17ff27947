// Every fault class from the scripted server, through the real SDKs, classified into LLMError.
import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCancellation, isContextOverflow, LLMError } from '../../src/core/errors.js';
import type { FaultInput } from '../../dev/scripted-llm/faults.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/server.js';
import { AnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { OpenAIProvider } from '../../src/providers/openai-provider.js';
import { APIS, providerFor, rejectionOf, type Api } from './helpers.js';

let server: ScriptedLlmServer;
beforeAll(async () => {
  server = await startScriptedLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const MODES = APIS.flatMap((api) => [
  { api, stream: false },
  { api, stream: true },
]);

async function failWith(api: Api, stream: boolean, fault: FaultInput, timeoutMs?: number): Promise<LLMError> {
  server.injectFault(fault);
  const provider = providerFor(api, server, timeoutMs === undefined ? {} : { timeoutMs });
  const error = await rejectionOf(() =>
    provider.chat({
      model: 'scripted-llm',
      messages: [{ role: 'user', content: 'hello' }],
      tools: [],
      ...(stream ? { onDelta: () => {} } : {}),
    }),
  );
  expect(error).toBeInstanceOf(LLMError);
  return error as LLMError;
}

describe.each(MODES)('$api provider (stream: $stream) classifies', ({ api, stream }) => {
  const keyHint = api === 'openai' ? 'OPENAI_API_KEY / providers.openai.apiKey' : 'ANTHROPIC_API_KEY / providers.anthropic.apiKey';

  it('429 as rate_limited, retryable, with Retry-After in ms', async () => {
    const error = await failWith(api, stream, { status: 429, retryAfterSeconds: 7 });
    expect(error).toMatchObject({ name: 'LLMError', kind: 'rate_limited', status: 429, retryable: true, retryAfterMs: 7000 });
    expect(error.message).toMatch(/rate limited \(429\)\. Retry after 7 s/);
  });

  it('429 with retry-after-ms', async () => {
    const error = await failWith(api, stream, { status: 429, retryAfterMs: 1500 });
    expect(error.retryAfterMs).toBe(1500);
  });

  it('500 and 529 as server_error, retryable', async () => {
    expect(await failWith(api, stream, { status: 500 })).toMatchObject({ kind: 'server_error', status: 500, retryable: true });
    expect(await failWith(api, stream, { status: 529 })).toMatchObject({ kind: 'server_error', status: 529, retryable: true });
  });

  it('408 as timeout and 409 as conflict, both retryable', async () => {
    expect(await failWith(api, stream, { status: 408 })).toMatchObject({ kind: 'timeout', retryable: true });
    expect(await failWith(api, stream, { status: 409 })).toMatchObject({ kind: 'conflict', retryable: true });
  });

  it('401 as authentication, not retryable, saying which key to check', async () => {
    const error = await failWith(api, stream, { status: 401 });
    expect(error).toMatchObject({ kind: 'authentication', status: 401, retryable: false });
    expect(error.message).toContain(`Check ${keyHint}`);
  });

  it('403 as permission, not retryable', async () => {
    expect(await failWith(api, stream, { status: 403 })).toMatchObject({ kind: 'permission', retryable: false });
  });

  it('404 as not_found, naming the model', async () => {
    const error = await failWith(api, stream, { status: 404 });
    expect(error).toMatchObject({ kind: 'not_found', status: 404, retryable: false });
    expect(error.message).toContain('model scripted-llm not found: check the model name');
  });

  it('a context-length 400 as context_length, recoverable by the loop', async () => {
    const error = await failWith(api, stream, { contextLength: true });
    expect(error).toMatchObject({ kind: 'context_length', status: 400, retryable: false });
    expect(isContextOverflow(error)).toBe(true);
    expect(error.message).toMatch(/does not fit the model's context window.*Start a new session/);
  });

  it('any other 400 as bad_request, not retryable', async () => {
    const error = await failWith(api, stream, { status: 400, message: 'tools.0.name: invalid' });
    expect(error).toMatchObject({ kind: 'bad_request', retryable: false });
    expect(error.message).toContain('tools.0.name: invalid');
  });

  it('a dropped connection as connection, retryable, naming the URL', async () => {
    const error = await failWith(api, stream, { dropConnection: true });
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    expect(error.message).toContain('could not reach the API at http://127.0.0.1:');
  });

  it('a slow answer past timeoutMs as timeout, retryable', async () => {
    const error = await failWith(api, stream, { delayMs: 5_000 }, 300);
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('a fault is used up: the next request succeeds', async () => {
    await failWith(api, stream, { status: 500 });
    const response = await providerFor(api, server).chat({ model: 'scripted-llm', messages: [{ role: 'user', content: 'again' }], tools: [] });
    expect(response.content).toBe('[scripted-llm] You said: again');
  });

  it('a cancelled request rejects with a cancellation, not an LLMError', async () => {
    server.injectFault({ delayMs: 5_000 });
    const controller = new AbortController();
    const pending = providerFor(api, server).chat({
      model: 'scripted-llm',
      messages: [{ role: 'user', content: 'slow' }],
      tools: [],
      signal: controller.signal,
      ...(stream ? { onDelta: () => {} } : {}),
    });
    setTimeout(() => controller.abort(), 100);
    const error = await rejectionOf(() => pending);
    expect(error).not.toBeInstanceOf(LLMError);
    expect(isCancellation(error)).toBe(true);
  });
});

describe.each(APIS)('%s streaming cut off mid-answer', (api) => {
  it('is a retryable connection error, not a truncated answer', async () => {
    server.injectFault({ dropConnection: 'mid-stream' });
    const deltas: string[] = [];
    const error = await rejectionOf(() =>
      providerFor(api, server).chat({
        model: 'scripted-llm',
        messages: [{ role: 'user', content: 'a reasonably long message so the answer has several chunks' }],
        tools: [],
        onDelta: (text) => deltas.push(text),
      }),
    );
    expect(error).toBeInstanceOf(LLMError);
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
  });
});

describe('faults can target one path and repeat', () => {
  it('applies `times` and `path`', async () => {
    server.injectFault({ status: 503, times: 2, path: '/v1/messages' });
    const openai = providerFor('openai', server);
    const anthropic = providerFor('anthropic', server);
    const ask = { model: 'scripted-llm', messages: [{ role: 'user' as const, content: 'x' }], tools: [] };
    await expect(openai.chat(ask)).resolves.toMatchObject({ finishReason: 'stop' });
    await expect(anthropic.chat(ask)).rejects.toMatchObject({ kind: 'server_error', status: 503 });
    await expect(anthropic.chat(ask)).rejects.toMatchObject({ kind: 'server_error', status: 503 });
    await expect(anthropic.chat(ask)).resolves.toMatchObject({ finishReason: 'stop' });
  });
});

describe('connection refused', () => {
  it.each(APIS)('%s: nothing listening is a retryable connection error, marked unreachable, saying so plainly', async (api) => {
    const closed = await startScriptedLlmServer();
    await closed.close();
    const provider = providerFor(api, closed);
    const error = await rejectionOf(() => provider.chat({ model: 'scripted-llm', messages: [{ role: 'user', content: 'x' }], tools: [] }));
    expect(error).toMatchObject({ name: 'LLMError', kind: 'connection', retryable: true, unreachable: true });
    expect((error as LLMError).message).toContain(`could not reach the API at ${closed.url}`);
    expect((error as LLMError).message).toContain('(connection refused: nothing listens at that address)');
  });

  it.each(APIS)('%s: a dropped connection is retryable but not unreachable (a live server, having trouble)', async (api) => {
    server.injectFault({ dropConnection: true });
    const error = await rejectionOf(() => providerFor(api, server).chat({ model: 'scripted-llm', messages: [{ role: 'user', content: 'x' }], tools: [] }));
    expect(error).toMatchObject({ kind: 'connection', retryable: true, unreachable: false });
  });

  it.each(APIS)('%s: an unknown host is unreachable (a failed lookup is only retried)', async (api) => {
    // What this machine's resolver says for a name that cannot exist: NXDOMAIN, or (offline) "try again".
    const lookupCode = await lookup('no-such-host.invalid').then(
      () => 'resolved',
      (error: NodeJS.ErrnoException) => error.code,
    );
    const provider = api === 'openai'
      ? new OpenAIProvider({ apiKey: 'sk-test-key-0000000000', baseURL: 'http://no-such-host.invalid/v1', defaultModel: 'm' })
      : new AnthropicProvider({ apiKey: 'sk-test-key-0000000000', baseURL: 'http://no-such-host.invalid', defaultModel: 'm' });
    const error = await rejectionOf(() => provider.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [] }));
    if (lookupCode === 'ENOTFOUND') {
      expect(error).toMatchObject({ kind: 'connection', retryable: true, unreachable: true });
      expect((error as LLMError).message).toContain('unknown host: the name does not resolve');
    } else {
      expect(error).toMatchObject({ kind: 'connection', retryable: true, unreachable: false });
    }
  });

  it.each(APIS)('%s: a port fetch refuses (9) fails at once, not retried, naming the port', async (api) => {
    const provider = api === 'openai'
      ? new OpenAIProvider({ apiKey: 'sk-test-key-0000000000', baseURL: 'http://127.0.0.1:9/v1', defaultModel: 'm' })
      : new AnthropicProvider({ apiKey: 'sk-test-key-0000000000', baseURL: 'http://127.0.0.1:9', defaultModel: 'm' });
    const error = await rejectionOf(() => provider.chat({ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [] }));
    expect(error).toMatchObject({ kind: 'bad_request', retryable: false });
    expect((error as LLMError).message).toContain('uses port 9, which fetch refuses to connect to (a blocked port)');
  });
});

describe('messages leave retrying to the caller', () => {
  it.each(MODES)('$api (stream: $stream): no fault says "it will be retried"', async ({ api, stream }) => {
    const faults: FaultInput[] = [{ status: 500 }, { status: 429, retryAfterSeconds: 1 }, { status: 408 }, { status: 409 }, { dropConnection: true }];
    for (const fault of faults) {
      const error = await failWith(api, stream, fault);
      expect(error.retryable).toBe(true);
      expect(error.message).not.toMatch(/will be retried/i);
    }
  });
});
