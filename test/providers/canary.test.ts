// A canary API key must never reach error messages, responses, log lines or recorded requests.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LLMProvider } from '../../src/core/llm-provider.js';
import { createLogger } from '../../src/logger.js';
import { clearProviderCache, resolveProvider } from '../../src/providers/model-router.js';
import type { FaultInput } from '../../dev/scripted-llm/faults.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/server.js';
import { TOOLS, rejectionOf } from './helpers.js';

// One key that looks like a provider key, one that does not (only exact-match scrubbing catches it).
const CANARIES = [`sk-canary-${randomBytes(8).toString('hex')}`, `plaincanary${randomBytes(8).toString('hex')}`];

let server: ScriptedLlmServer;
const logLines: string[] = [];
const log = createLogger({ level: 'trace', destination: { write: (line: string) => void logLines.push(line) } });

beforeAll(async () => {
  server = await startScriptedLlmServer();
  clearProviderCache();
});
afterAll(async () => {
  await server.close();
});

function providersWith(canary: string): LLMProvider[] {
  const config = {
    scripted: { apiKey: canary, apiBase: server.url },
    'scripted-anthropic': { apiKey: canary, apiBase: server.url },
  };
  return ['scripted/scripted-llm', 'scripted-anthropic/scripted-llm'].map(
    (model) => resolveProvider(model, config, { env: {}, logger: log, timeoutMs: 500 }).provider,
  );
}

/** Faults whose bodies echo the key back, the way some providers and proxies do. */
function faultsEchoing(canary: string): FaultInput[] {
  return [
    { status: 401, message: `Incorrect API key provided: ${canary}. You can find your API key at https://example.invalid.` },
    { status: 500, body: { error: { message: `upstream failed for key ${canary}`, type: 'server_error' } } },
    { status: 429, retryAfterSeconds: 1, message: `rate limit for ${canary}` },
    { status: 400, contextLength: true, message: `prompt is too long for key ${canary}` },
    { status: 404, message: `model not found (key ${canary})` },
    { dropConnection: true },
    { delayMs: 2_000 },
  ];
}

describe.each(CANARIES)('canary key %#', (canary) => {
  it('never appears in responses, errors, log lines or the recorded requests', async () => {
    const seen: string[] = [];
    for (const provider of providersWith(canary)) {
      for (const stream of [false, true]) {
        const onDelta = stream ? { onDelta: (text: string) => seen.push(text) } : {};
        const ok = await provider.chat({ model: 'scripted-llm', tools: TOOLS, messages: [{ role: 'user', content: 'run the command echo hi' }], ...onDelta });
        expect(ok.toolCalls).toHaveLength(1);
        seen.push(JSON.stringify(ok));

        for (const fault of faultsEchoing(canary)) {
          server.injectFault(fault);
          const error = await rejectionOf(() => provider.chat({ model: 'scripted-llm', tools: [], messages: [{ role: 'user', content: 'x' }], ...onDelta }));
          expect(error).toMatchObject({ name: 'LLMError' });
          seen.push(String(error), (error as Error).message, (error as Error).stack ?? '', JSON.stringify(error));
        }
      }
    }

    // The faults really did carry the key back to the client: the scrubbing is what kept it out.
    expect(seen.some((text) => text.includes('Incorrect API key provided: [REDACTED]'))).toBe(true);
    expect(logLines.length).toBeGreaterThan(10);
    expect(logLines.some((line) => line.includes('"msg":"llm request failed'))).toBe(true);

    for (const text of [...seen, ...logLines]) expect(text).not.toContain(canary);
    // (the injected faults are kept beside each request and do carry the key: they are test input)
    const recorded = JSON.stringify(server.requests.map(({ path, headers, body }) => ({ path, headers, body })));
    expect(recorded).not.toContain(canary);
    expect(server.requests.at(-1)?.headers.authorization).toBe('[REDACTED]');
  });
});
