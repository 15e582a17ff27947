// "No secrets in history": canary keys live on the worker (config + environment); after real
// turns, neither the client's history export nor `temporal workflow show --output json` nor the
// worker's logs may contain them.
import { capturedLogLines, captureLogger } from './log-capture.js';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv } from '../helpers/temporal.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { applicationFailureOf } from './workflow-failure.js';
import { activitiesOf, historyJson, historyJsonViaCli, searchableHistoryText } from './history.js';

const canaries = {
  config: `sk-canary-${randomUUID()}`,
  openaiEnv: `sk-canary-openai-${randomUUID()}`,
  anthropicEnv: `sk-canary-anthropic-${randomUUID()}`,
};
const savedEnv = { OPENAI_API_KEY: process.env.OPENAI_API_KEY, ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY };

let stack: DurableStack;
let keyRecorder: KeyRecorder;

beforeAll(async () => {
  process.env.OPENAI_API_KEY = canaries.openaiEnv;
  process.env.ANTHROPIC_API_KEY = canaries.anthropicEnv;
  // The worker reaches the scripted LLM through a recorder, to prove the canary key is really sent.
  keyRecorder = await startKeyRecorder();
  stack = await startDurableStack({
    logger: captureLogger,
    env: { OPENAI_API_KEY: canaries.openaiEnv, ANTHROPIC_API_KEY: canaries.anthropicEnv },
    providers: { scripted: { apiBase: keyRecorder.url, apiKey: canaries.config } },
  });
  keyRecorder.upstream = stack.llm.url;
  expect(stack.config.providers['openai']?.apiKey).toBe(canaries.openaiEnv);
});

afterAll(async () => {
  await keyRecorder?.close();
  await stack?.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

function assertNoCanary(text: string, where: string): void {
  for (const [source, canary] of Object.entries(canaries)) {
    expect(text.includes(canary), `${source} canary found in ${where}`).toBe(false);
    // Also no recognisable fragment (e.g. a provider echoing the key's head).
    expect(text.includes(canary.slice(0, 24)), `part of the ${source} canary found in ${where}`).toBe(false);
  }
}

async function exportViaCli(workflowId: string): Promise<string> {
  return historyJsonViaCli(workflowId, await getTestEnv());
}

describe('no secrets in workflow history or logs', () => {
  it('a turn with a tool call leaves no key in history (client and CLI exports) or logs', async () => {
    const marker = `marker-${randomUUID()}`;
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({
        sessionId: 'secrets',
        // The command tries to print the keys; exec's scrubbed environment must not have them.
        message: `run the command 'echo ${marker} openai=$OPENAI_API_KEY anthropic=$ANTHROPIC_API_KEY'`,
      });
      expect(outcome.toolsUsed).toEqual(['exec']);
      expect(outcome.finalContent).toContain(`${marker} openai= anthropic=`);

      // The worker did send the canary to the provider: it is in use, just not in history.
      expect(keyRecorder.authorizations).toContain(`Bearer ${canaries.config}`);

      const handle = stack.client.workflow.getHandle(outcome.workflowId);
      const fromClient = searchableHistoryText(historyJson(await handle.fetchHistory()));
      const fromCli = searchableHistoryText(await exportViaCli(outcome.workflowId));
      for (const [where, text] of [
        ['client history export', fromClient],
        ['temporal workflow show --output json', fromCli],
      ] as const) {
        // Sanity: the export is this turn's history and payloads were decoded (the marker is in them).
        expect(text, where).toContain('executeTool');
        expect(text, where).toContain(marker);
        assertNoCanary(text, where);
      }
    });
    expect(capturedLogLines.length).toBeGreaterThan(0);
    assertNoCanary(capturedLogLines.join(''), 'worker logs');
  });

  it('a provider error that echoes the key is scrubbed before it reaches history', async () => {
    stack.llm.injectFault({ status: 401, message: `Incorrect API key provided: ${canaries.config}. Check your key.` });
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({ sessionId: 'secrets-401', message: 'hi' });
      const cause = await applicationFailureOf(handle);
      expect(cause.type).toBe('AuthenticationFailed');
      expect(cause.message).toContain('Incorrect API key provided');
      assertNoCanary(cause.message, 'the failure message');
      const failed = activitiesOf(await handle.fetchHistory()).find((activity) => activity.type === 'llmChat');
      expect(failed?.outcome).toBe('failed');
      assertNoCanary(searchableHistoryText(historyJson(await handle.fetchHistory())), 'client history export');
      assertNoCanary(searchableHistoryText(await exportViaCli(handle.workflowId)), 'temporal workflow show');
    });
    assertNoCanary(capturedLogLines.join(''), 'worker logs');
  });

  it.each([
    { name: 'top-level apiKey', extra: { apiKey: canaries.config }, key: 'apiKey' },
    { name: 'access token', extra: { accessToken: canaries.config }, key: 'accessToken' },
    {
      name: 'nested authorization',
      extra: { activityOptions: { llmChat: { authorization: `Bearer ${canaries.config}` } } },
      key: 'activityOptions.llmChat.authorization',
    },
  ])('input carrying a credential ($name) is rejected naming the key, not its value', async ({ extra, key }) => {
    await stack.withAgentWorker(async () => {
      const handle = await stack.startRawTurn({ sessionId: 'creds', message: 'hi', ...extra });
      const cause = await applicationFailureOf(handle);
      expect(cause.type).toBe('InvalidInput');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toContain(`must not carry credentials (found "${key}")`);
      expect(cause.message).toMatch(/worker environment or its config file/);
      assertNoCanary(cause.message, 'the failure message');
      expect(activitiesOf(await handle.fetchHistory())).toEqual([]);
    });
  });
});

interface KeyRecorder {
  url: string;
  upstream: string;
  authorizations: string[];
  close(): Promise<void>;
}

/** A pass-through HTTP proxy that remembers the Authorization headers it saw. */
async function startKeyRecorder(): Promise<KeyRecorder> {
  const authorizations: string[] = [];
  let upstream = '';
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authorization) authorizations.push(req.headers.authorization);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
      ) as Record<string, string>;
      fetch(`${upstream}${req.url ?? '/'}`, {
        method: req.method,
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      })
        .then(async (answer) => {
          const passOn = Object.fromEntries(
            [...answer.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)),
          );
          res.writeHead(answer.status, passOn);
          if (answer.body) for await (const chunk of answer.body) res.write(chunk);
          res.end();
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    get upstream() {
      return upstream;
    },
    set upstream(url: string) {
      upstream = url;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
