// The gateway's shared follower against the real file event store: many readers of one session,
// joining at different points while events are written, each get every event after their point,
// once, in order.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEventStore } from '../../src/events/index.js';
import { EventFanout } from '../../src/gateway/event-fanout.js';
import { waitUntil } from '../support/wait.js';

let stateDir: string;
let store: FileEventStore;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exoclaw-fanout-'));
  store = new FileEventStore(stateDir);
});
afterAll(async () => {
  await store.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('EventFanout', () => {
  it('gives readers that join at any point every later event once, in order, while events are written', async () => {
    const session = 'fan';
    const total = 120;
    const write = async (i: number): Promise<void> => {
      await store.append(session, { type: 'message', content: `event ${i}` });
    };
    for (let i = 1; i <= 10; i++) await write(i);

    const fanout = new EventFanout(store);
    const stop = new AbortController();
    const readers: { after: number; seqs: number[]; done: Promise<void> }[] = [];
    const addReader = (after: number): void => {
      const seqs: number[] = [];
      const done = (async () => {
        for await (const event of fanout.follow(session, after, stop.signal)) seqs.push(event.seq);
      })();
      readers.push({ after, seqs, done });
    };
    for (let i = 11; i <= total; i++) {
      // A reader joins every few events, resuming from a point in the past, the present, or 0.
      if (i % 7 === 0) addReader(i % 3 === 0 ? 0 : Math.max(0, i - 5));
      await write(i);
    }
    await waitUntil('every reader has every event', () => readers.every((r) => r.seqs.at(-1) === total), { timeoutMs: 30_000 });
    stop.abort();
    await Promise.all(readers.map((r) => r.done));
    expect(readers.length).toBeGreaterThan(10);
    for (const reader of readers) {
      expect(reader.seqs).toEqual(Array.from({ length: total - reader.after }, (_, k) => reader.after + k + 1));
    }
  });

  it('stops following a session when its last reader leaves, and starts again for the next', async () => {
    const fanout = new EventFanout(store);
    const first = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const event of fanout.follow('again', 0, first.signal)) seen.push(event.seq);
    })();
    await store.append('again', { type: 'message', content: 'one' });
    await waitUntil('the first event', () => seen.length === 1);
    first.abort();
    await reading;
    await store.append('again', { type: 'message', content: 'two' });
    const second = new AbortController();
    const later: number[] = [];
    const next = (async () => {
      for await (const event of fanout.follow('again', 1, second.signal)) later.push(event.seq);
    })();
    await store.append('again', { type: 'message', content: 'three' });
    await waitUntil('events two and three', () => later.length === 2);
    second.abort();
    await next;
    expect(later).toEqual([2, 3]);
  });
});
