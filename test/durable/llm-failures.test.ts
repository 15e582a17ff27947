// Provider failures over real HTTP: Temporal retries what is retryable (honouring Retry-After)
// and fails the turn at once, with a clear message, on what is not.
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UNREACHABLE_MAX_ATTEMPTS } from '../../activities/application-failure.js';
import { findFreePort } from '../../dev/local-stack/dev-server.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { applicationFailureOf } from './workflow-failure.js';
import { activitiesOf, stepsOf } from './history.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterEach(() => stack.llm.reset());
afterAll(async () => {
  await stack?.close();
});

// Short first retry, so a delay seen between attempts can only come from Retry-After.
const fastRetries = { llmChat: { retry: { initialInterval: '50ms', maximumInterval: '200ms' } } };

function llmChatActivities(history: Parameters<typeof activitiesOf>[0]) {
  return activitiesOf(history).filter((activity) => activity.type === 'llmChat');
}

describe('LLM failures', () => {
  it('a 500 is retried and the turn completes', async () => {
    stack.llm.injectFault({ status: 500, times: 1 });
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'err-500', message: 'hello after a 500', activityOptions: fastRetries });
      expect(outcome.stopReason).toBe('completed');
      expect(outcome.finalContent).toContain('hello after a 500');

      const requests = stack.llm.chatRequests();
      expect(requests).toHaveLength(2);
      expect(requests[0]?.fault?.status).toBe(500);
      expect(requests[1]?.fault).toBeUndefined();
      const [chat] = llmChatActivities(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory());
      expect(chat?.outcome).toBe('completed');
      expect(chat?.attempt).toBe(2);
    });
  });

  it('a 429 with Retry-After is retried after the delay the provider asked for', async () => {
    stack.llm.injectFault({ status: 429, retryAfterSeconds: 1, times: 1 });
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'err-429', message: 'hello after a 429', activityOptions: fastRetries });
      expect(outcome.stopReason).toBe('completed');

      const requests = stack.llm.chatRequests();
      expect(requests).toHaveLength(2);
      expect(requests[0]?.fault?.status).toBe(429);
      const gapMs = Date.parse(requests[1]!.receivedAt) - Date.parse(requests[0]!.receivedAt);
      // The retry policy alone would have retried after 50 ms.
      expect(gapMs).toBeGreaterThanOrEqual(900);
      const [chat] = llmChatActivities(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory());
      expect(chat?.attempt).toBe(2);
    });
  });

  it('a 401 fails the turn at once with AuthenticationFailed and a clear message', async () => {
    stack.llm.injectFault({ status: 401, times: 5 });
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({ sessionId: 'err-401', message: 'hi', activityOptions: fastRetries });
      const cause = await applicationFailureOf(handle);
      expect(cause.type).toBe('AuthenticationFailed');
      expect(cause.message).toMatch(/Incorrect API key provided/);
      expect((await handle.describe()).status.name).toBe('FAILED');

      // Exactly one attempt: not retried, by Temporal or by the SDK.
      expect(stack.llm.chatRequests()).toHaveLength(1);
      const history = await handle.fetchHistory();
      const chats = llmChatActivities(history);
      expect(chats).toHaveLength(1);
      expect(chats[0]?.outcome).toBe('failed');
      expect(chats[0]?.attempt).toBe(1);
      const types = stepsOf(history).map((activity) => activity.type);
      expect(types).toEqual(['buildPrompt', 'llmChat', 'releaseSession']);
      // The session is free again for the next turn.
      expect(await stack.deps.leases.holder('err-401')).toBeUndefined();
    });
  });

  it('a model no provider serves fails the turn at once with ModelRoutingError', async () => {
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({ sessionId: 'bad-model', message: 'hi', model: 'no-such-model-anywhere' });
      const cause = await applicationFailureOf(handle);
      expect(cause.type).toBe('ModelRoutingError');
      expect(cause.nonRetryable).toBe(true);
      expect(cause.message).toMatch(/Cannot tell which provider serves the model "no-such-model-anywhere"/);
      const chats = llmChatActivities(await handle.fetchHistory());
      expect(chats).toHaveLength(1);
      expect(chats[0]?.attempt).toBe(1);
      expect(stack.llm.chatRequests()).toHaveLength(0);
    });
  });

  it('a client naming a local model server the operator never configured is refused before any network', async () => {
    // Ollama's built-in default base is localhost:11434: before the fix, the whole prompt went there.
    const listeners = await listenWherePossible(11434, ['127.0.0.1', '::1']);
    try {
      await stack.withAgentWorker(async () => {
        const handle = await stack.exoclaw.startTurn({ sessionId: 'local-port', message: 'secret plans', model: 'ollama/llama3.2' });
        const cause = await applicationFailureOf(handle);
        expect(cause.type).toBe('ModelRoutingError');
        expect(cause.nonRetryable).toBe(true);
        expect(cause.message).toContain(
          'ollama is not configured on this worker: set providers.ollama.apiBase (or OLLAMA_API_BASE) on the worker',
        );
        const chats = llmChatActivities(await handle.fetchHistory());
        expect(chats).toHaveLength(1);
        expect(chats[0]?.attempt).toBe(1);
        expect(stack.llm.chatRequests()).toHaveLength(0);
      });
      for (const listener of listeners) expect(listener.connections, `connections to ${listener.host}:11434`).toBe(0);
    } finally {
      for (const listener of listeners) await new Promise((done) => listener.server.close(done));
    }
  });

  it('a 500 on every attempt fails the turn saying it gave up, never that it will be retried', async () => {
    stack.llm.injectFault({ status: 500, times: 10 });
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({
        sessionId: 'err-500-always',
        message: 'hi',
        activityOptions: { llmChat: { retry: { initialInterval: '50ms', maximumInterval: '100ms', maximumAttempts: 3 } } },
      });
      const cause = await applicationFailureOf(handle);
      expect(cause.type).toBe('ServerError');
      expect(cause.message).toMatch(/the provider had a server error \(500\)\..* Gave up after 3 attempts\.$/);
      expect(cause.message).not.toMatch(/will be retried/i);
      expect(stack.llm.chatRequests()).toHaveLength(3);
    });
  });

  it('a provider pointed at a closed port fails the turn after 4 attempts, not 10, saying why', async () => {
    const closedPort = await findFreePort();
    const closed = await startDurableStack({ providers: { scripted: { apiBase: `http://127.0.0.1:${closedPort}` } } });
    try {
      await closed.withAgentWorker(async () => {
        // The default llmChat policy (10 attempts) but a short backoff, so the test takes a second, not 7.
        const handle = await closed.exoclaw.startTurn({ sessionId: 'closed-port', message: 'hi', activityOptions: fastRetries });
        const cause = await applicationFailureOf(handle);
        expect(cause.type).toBe('ConnectionError');
        expect(cause.nonRetryable).toBe(true);
        expect(cause.message).toContain(`could not reach the API at http://127.0.0.1:${closedPort}/v1 (connection refused: nothing listens at that address)`);
        expect(cause.message).toContain(`Gave up after ${UNREACHABLE_MAX_ATTEMPTS} attempts: a refused connection or unknown host is retried only briefly`);
        expect(cause.message).not.toMatch(/will be retried/i);
        const chats = llmChatActivities(await handle.fetchHistory());
        expect(chats).toHaveLength(1);
        expect(chats[0]?.attempt).toBe(UNREACHABLE_MAX_ATTEMPTS);
      });
    } finally {
      await closed.close();
    }
  });

  it('the same model string is served once the operator configures the provider', async () => {
    const configured = await startDurableStack({ providers: { ollama: { apiBase: stack.llm.openaiBaseUrl } } });
    try {
      await configured.withAgentWorker(async () => {
        const outcome = await configured.exoclaw.runTurn({ sessionId: 'local-ok', message: 'hello ollama', model: 'ollama/llama3.2' });
        expect(outcome.stopReason).toBe('completed');
        expect(outcome.finalContent).toContain('hello ollama');
      });
      const [request] = stack.llm.chatRequests();
      expect((request?.body as { model?: string } | undefined)?.model).toBe('llama3.2');
    } finally {
      await configured.close();
    }
  });
});

interface CountingListener {
  host: string;
  server: Server;
  connections: number;
}

/**
 * TCP listeners on `port` on each host where it is free, counting connections (each is closed at
 * once). A host whose port is taken (a real Ollama on this machine) is left out.
 */
async function listenWherePossible(port: number, hosts: string[]): Promise<CountingListener[]> {
  const listeners: CountingListener[] = [];
  for (const host of hosts) {
    const listener: CountingListener = { host, server: createServer(), connections: 0 };
    listener.server.on('connection', (socket) => {
      listener.connections++;
      socket.destroy();
    });
    const bound = await new Promise<boolean>((done) => {
      listener.server.once('error', () => done(false));
      listener.server.listen(port, host, () => done(true));
    });
    if (bound) listeners.push(listener);
  }
  return listeners;
}
