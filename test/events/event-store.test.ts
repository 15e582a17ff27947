import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../src/contract/index.js';
import { FileEventStore, openEventStore, RedisEventStore, type SessionEventStore } from '../../src/events/index.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { within } from '../support/wait.js';

// The same contract for both backends: numbering, resuming, following, concurrent writers, trimming.
let stateDir: string;
let redis: RedisServer;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exoclaw-events-'));
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe.each([
  ['file', () => openEventStore({ stateDir })],
  ['redis', () => openEventStore({ stateDir, redisUrl: redis.url })],
])('%s event store', (kind, open) => {
  let store: SessionEventStore;
  beforeAll(() => {
    store = open();
  });
  afterAll(async () => store.close());

  it('opens the configured backend', () => {
    expect(store).toBeInstanceOf(kind === 'file' ? FileEventStore : RedisEventStore);
  });

  it('numbers events 1, 2, 3 per session and reads what came after a number', async () => {
    const session = `numbers-${kind}`;
    const first = await store.append(session, { type: 'turn_started', turnId: 't1', origin: 'user' });
    await store.append(session, { type: 'delta', turnId: 't1', step: 's1', attempt: 1, text: 'Hel' });
    await store.append(session, { type: 'delta', turnId: 't1', step: 's1', attempt: 1, text: 'lo' });
    expect(first).toMatchObject({ seq: 1, sessionId: session, type: 'turn_started' });
    expect((await store.read(session)).map((event) => event.seq)).toEqual([1, 2, 3]);
    expect((await store.read(session, 1)).map((event) => event.type)).toEqual(['delta', 'delta']);
    expect(await store.read(session, 1, { limit: 1 })).toHaveLength(1);
    expect(await store.lastSeq(session)).toBe(3);
    expect(await store.read(`other-${kind}`)).toEqual([]);
  });

  it('keeps numbers unique and in order when several writers append at once', async () => {
    const session = `concurrent-${kind}`;
    // Two store instances stand for two processes (a turn and a schedule's reply).
    const other = open();
    try {
      const writes = Array.from({ length: 40 }, (_, index) =>
        (index % 2 ? other : store).append(session, { type: 'message', content: `m${index}` }),
      );
      const stored = await Promise.all(writes);
      expect(new Set(stored.map((event) => event.seq)).size).toBe(40);
      expect((await store.read(session)).map((event) => event.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    } finally {
      await other.close();
    }
  });

  it('follows: what was missed first, then live events, until aborted', async () => {
    const session = `follow-${kind}`;
    await store.append(session, { type: 'turn_started', turnId: 't', origin: 'user' });
    await store.append(session, { type: 'reply', turnId: 't', messageId: 'm', status: 'completed', content: 'old' });
    const stop = new AbortController();
    const seen: SessionEvent[] = [];
    const reading = (async () => {
      for await (const event of store.follow(session, 1, stop.signal)) {
        seen.push(event);
        if (seen.length === 3) stop.abort();
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await store.append(session, { type: 'async_reply', messageId: 'c1', source: 'cron', status: 'completed', content: 'tick' });
    await store.append(session, { type: 'turn_finished', turnId: 't', status: 'completed' });
    await within(reading, 'the follower to see both live events and stop', { timeoutMs: 10_000 });
    expect(seen.map((event) => [event.seq, event.type])).toEqual([
      [2, 'reply'],
      [3, 'async_reply'],
      [4, 'turn_finished'],
    ]);
  });

  it('trims old events but keeps the last one, so numbering goes on', async () => {
    const session = `trim-${kind}`;
    for (let index = 0; index < 3; index++) await store.append(session, { type: 'message', content: `m${index}` });
    const dry = await store.trim(Date.now() + 60_000, { dryRun: true });
    expect(dry.removedEvents).toBeGreaterThanOrEqual(2);
    expect(await store.read(session)).toHaveLength(3);
    await store.trim(Date.now() + 60_000);
    expect((await store.read(session)).map((event) => event.seq)).toEqual([3]);
    expect((await store.append(session, { type: 'message', content: 'after' })).seq).toBe(4);
  });
});


