// A session's event stream from a real worker: a streamed answer and a tool-call turn, on both
// wire formats (the official openai and @anthropic-ai/sdk clients stream from the scripted server),
// the message tool's text, and history that carries no tokens.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/contract/index.js';
import { StreamText } from '../../src/events/index.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';

const ANSWER = 'Streams arrive token by token, then the whole reply is recorded once.';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack({
    providers: (url) => ({ 'scripted-anthropic': { apiKey: 'sk-scripted', apiBase: url } }),
  });
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      { name: 'tool done', when: { lastUserMatches: 'use a tool', hasToolResult: true }, reply: { text: 'The tool said: {{lastToolResult}}' } },
      { name: 'tool', when: { lastUserMatches: 'use a tool' }, reply: { toolCalls: [{ name: 'exec', arguments: { command: 'echo from-the-tool' } }] } },
      { name: 'message', when: { lastUserMatches: 'send a message', hasToolResult: false }, reply: { toolCalls: [{ name: 'message', arguments: { content: 'Hello from the message tool' } }] } },
      { name: 'message done', when: { lastUserMatches: 'send a message' }, reply: { text: 'sent' } },
      {
        name: 'message elsewhere',
        when: { lastUserMatches: 'tell session (\\S+)', hasToolResult: false },
        reply: { toolCalls: [{ name: 'message', arguments: { content: 'Note for you', channel: 'session', chat_id: '{{match.1}}' } }] },
      },
      { name: 'message elsewhere done', when: { lastUserMatches: 'tell session' }, reply: { text: 'told them' } },
      { name: 'tools offered', when: { lastUserMatches: 'which tools' }, reply: { text: 'web_search offered: {{toolResults}}' } },
      { name: 'answer', when: { lastUserMatches: 'explain' }, reply: { text: ANSWER }, stream: { pieces: 12, pauseMs: 60 } },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
});

/** Sends one message and collects the session's events until that turn has finished. */
async function sendAndCollect(sessions: SessionClient, sessionId: string, text: string) {
  const store = stack.deps.events!.store;
  const after = await store.lastSeq(sessionId);
  const stop = new AbortController();
  const events: SessionEvent[] = [];
  const reading = (async () => {
    for await (const event of store.follow(sessionId, after, stop.signal)) {
      events.push(event);
      if (event.type === 'turn_finished') stop.abort();
    }
  })();
  const reply = await sessions.send(sessionId, text, { messageId: randomUUID() });
  await waitUntil('the turn_finished event', () => events.some((event) => event.type === 'turn_finished'), { timeoutMs: 20_000 });
  stop.abort();
  await reading;
  return { reply, events };
}

describe.each([
  ['openai', 'scripted/scripted-llm'],
  ['anthropic', 'scripted-anthropic/scripted-llm'],
])('the event stream over the %s wire format', (_api, model) => {
  it('streams an answer as deltas that add up to the reply, between turn_started and turn_finished', async () => {
    const sessions = new SessionClient(stack.client, stack.taskQueue, { model });
    const sessionId = `stream-${_api}-${randomUUID()}`;
    const { reply, events } = await stack.withAgentWorker(() => sendAndCollect(sessions, sessionId, 'explain streaming'));
    expect(reply.content).toBe(ANSWER);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('turn_started');
    expect(types.slice(-2)).toEqual(['reply', 'turn_finished']);
    // Numbered without gaps, in order.
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => events[0]!.seq + index));
    const deltas = events.filter((event) => event.type === 'delta');
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((delta) => delta.attempt === 1 && delta.step === 'llm-1')).toBe(true);
    const text = new StreamText();
    for (const event of events) text.apply(event);
    expect(text.text()).toBe(ANSWER);
    expect(events.find((event) => event.type === 'reply')).toMatchObject({ status: 'completed', content: ANSWER, turnId: reply.turnId });
    expect(types).toContain('progress');
  });

  it('shows a tool call: tool_started, tool_finished with its result, then the streamed answer', async () => {
    const sessions = new SessionClient(stack.client, stack.taskQueue, { model });
    const sessionId = `tool-${_api}-${randomUUID()}`;
    const { reply, events } = await stack.withAgentWorker(() => sendAndCollect(sessions, sessionId, 'use a tool please'));
    expect(reply.content).toContain('from-the-tool');
    const started = events.findIndex((event) => event.type === 'tool_started');
    const finished = events.findIndex((event) => event.type === 'tool_finished');
    expect(started).toBeGreaterThan(0);
    expect(finished).toBeGreaterThan(started);
    expect(events[started]).toMatchObject({ name: 'exec', firstArg: 'echo from-the-tool' });
    expect(events[finished]).toMatchObject({ name: 'exec', isError: false });
    expect((events[finished] as { preview: string }).preview).toContain('from-the-tool');
    const text = new StreamText();
    for (const event of events.slice(finished)) text.apply(event);
    expect(text.text('llm-2')).toBe(reply.content);
  });
});

describe('the message tool on a worker', () => {
  it("publishes its text to this session's stream (and the turn's own reply is then empty)", async () => {
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    const sessionId = `message-${randomUUID()}`;
    const { reply, events } = await stack.withAgentWorker(() => sendAndCollect(sessions, sessionId, 'send a message'));
    const message = events.find((event) => event.type === 'message');
    expect(message).toMatchObject({ content: 'Hello from the message tool', turnId: reply.turnId });
    expect(message).not.toHaveProperty('fromSessionId');
    expect(events.find((event) => event.type === 'tool_finished')).toMatchObject({ name: 'message', isError: false });
    expect(reply.status).toBe('completed');
  });

  it("reaches another session's stream on the session channel, and the channel adapters' delivery hook", async () => {
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    const sender = `sender-${randomUUID()}`;
    const receiver = `receiver-${randomUUID()}`;
    const delivered: Array<{ sessionId: string; type: string; seq: number }> = [];
    const removeHook = stack.deps.events!.onDelivery(({ sessionId, event }) => void delivered.push({ sessionId, type: event.type, seq: event.seq }));
    try {
      const { reply } = await stack.withAgentWorker(() => sendAndCollect(sessions, sender, `tell session ${receiver}`));
      expect(reply.content).toBe('told them');
      const received = await stack.deps.events!.store.read(receiver);
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({ type: 'message', content: 'Note for you', fromSessionId: sender, seq: 1 });
      expect(delivered).toEqual([{ sessionId: receiver, type: 'message', seq: 1 }]);
    } finally {
      removeHook();
    }
  });
});

describe('tools a worker cannot serve', () => {
  it('are not offered to the model: web_search without a key', async () => {
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    const before = stack.llm.chatRequests().length;
    await stack.withAgentWorker(() => sessions.send(`tools-${randomUUID()}`, 'which tools do you have?', { messageId: randomUUID() }));
    const request = stack.llm.chatRequests().slice(before).find((entry) => JSON.stringify(entry.body).includes('which tools do you have'));
    const offered = JSON.stringify((request?.body as { tools?: unknown }).tools);
    expect(offered).toContain('"exec"');
    expect(offered).toContain('"message"');
    expect(offered).not.toContain('web_search');
  });
});
