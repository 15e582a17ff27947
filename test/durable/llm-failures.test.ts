// Provider failures over real HTTP: Temporal retries what is retryable (honouring Retry-After)
// and fails the turn at once, with a clear message, on what is not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDurableStack, type DurableStack } from './durable-stack.js';
import { applicationFailureOf } from './workflow-failure.js';
import { activitiesOf } from './history.js';

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
      const types = activitiesOf(history).map((activity) => activity.type);
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
});
