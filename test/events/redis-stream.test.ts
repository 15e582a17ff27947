// A worker configured with events.redisUrl publishes a session's events to a real redis-server;
// a reader opened from the same config follows them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/contract/index.js';
import { eventStoreFor, RedisEventStore, StreamText } from '../../src/events/index.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { waitUntil } from '../support/wait.js';

const ANSWER = 'Through Redis Streams, one delta after another.';
let redis: RedisServer;
let stack: DurableStack;

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startDurableStack({ overrides: { events: { redisUrl: redis.url } } });
  stack.llm.setScript({ useDefaults: true, rules: [{ when: { lastUserMatches: 'redis' }, reply: { text: ANSWER }, stream: { pieces: 8, pauseMs: 60 } }] });
});
afterAll(async () => {
  await stack?.close();
  await redis?.stop();
});

it('a turn streams through Redis to a reader of the same config', async () => {
  const reader = eventStoreFor(stack.config);
  expect(reader).toBeInstanceOf(RedisEventStore);
  expect(stack.deps.events!.store.kind).toBe('redis');
  const sessionId = `redis-${randomUUID()}`;
  const events: SessionEvent[] = [];
  const stop = new AbortController();
  const reading = (async () => {
    for await (const event of reader.follow(sessionId, 0, stop.signal)) events.push(event);
  })();
  try {
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    const reply = await stack.withAgentWorker(() => sessions.send(sessionId, 'via redis please', { messageId: randomUUID() }));
    expect(reply.content).toBe(ANSWER);
    await waitUntil('turn_finished from Redis', () => events.some((event) => event.type === 'turn_finished'), { timeoutMs: 15_000 });
    const text = new StreamText();
    for (const event of events) text.apply(event);
    expect(text.text()).toBe(ANSWER);
    expect(events.filter((event) => event.type === 'delta').length).toBeGreaterThan(1);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  } finally {
    stop.abort();
    await reading;
    await reader.close();
  }
});
