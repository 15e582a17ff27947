import { Redis } from 'ioredis';
import { isSessionEvent, type SessionEvent, type SessionEventBody } from '../contract/session-events.js';
import type { SessionEventStore, TrimResult } from './session-event-store.js';

/** One stream per session; a counter beside it numbers the events. */
const STREAM_PREFIX = 'exoclaw:events:';
const COUNTER_PREFIX = 'exoclaw:events-seq:';
/** Longest a follower's XREAD blocks before it looks at its abort signal again. */
const BLOCK_MS = 2_000;
const PAGE = 500;

// Numbering and adding in one script, so two writers can never add out of order.
const APPEND_SCRIPT = `
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[1], seq .. '-0', 'e', ARGV[1])
return seq`;

type StreamEntry = [id: string, fields: string[]];

/**
 * Redis Streams backend (`events.redisUrl`): the stream id of an event is `<seq>-0`, so XRANGE
 * and XREAD resume from a sequence number directly. For fleets whose shared volume is too slow
 * to tail; every worker and reader points at the same Redis.
 */
export class RedisEventStore implements SessionEventStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly followers = new Set<Redis>();

  constructor(private readonly url: string) {
    this.client = connect(url);
  }

  async append(sessionId: string, body: SessionEventBody): Promise<SessionEvent> {
    const at = new Date().toISOString();
    const stored = JSON.stringify({ ...body, sessionId, at });
    const seq = Number(await this.client.eval(APPEND_SCRIPT, 2, STREAM_PREFIX + sessionId, COUNTER_PREFIX + sessionId, stored));
    return { ...body, sessionId, at, seq } as SessionEvent;
  }

  async read(sessionId: string, after = 0, opts: { limit?: number } = {}): Promise<SessionEvent[]> {
    const events: SessionEvent[] = [];
    let from = after;
    for (;;) {
      const want = Math.min(PAGE, (opts.limit ?? Infinity) - events.length);
      if (want <= 0) return events;
      const entries = (await this.client.xrange(STREAM_PREFIX + sessionId, `${from + 1}-0`, '+', 'COUNT', want)) as StreamEntry[];
      events.push(...entries.flatMap(toEvent));
      if (entries.length < want) return events;
      from = seqOf(entries.at(-1)![0]);
    }
  }

  async lastSeq(sessionId: string): Promise<number> {
    const value = await this.client.get(COUNTER_PREFIX + sessionId);
    return value === null ? 0 : Number(value);
  }

  async *follow(sessionId: string, after: number, signal: AbortSignal): AsyncIterable<SessionEvent> {
    // XREAD BLOCK holds its connection: each follower gets its own, closed when it stops.
    const reader = this.client.duplicate();
    reader.on('error', () => undefined);
    this.followers.add(reader);
    const onAbort = (): void => reader.disconnect();
    signal.addEventListener('abort', onAbort, { once: true });
    let last = after;
    try {
      while (!signal.aborted) {
        let reply: Array<[string, StreamEntry[]]> | null;
        try {
          reply = (await reader.xread('COUNT', PAGE, 'BLOCK', BLOCK_MS, 'STREAMS', STREAM_PREFIX + sessionId, `${last}-0`)) as Array<
            [string, StreamEntry[]]
          > | null;
        } catch (error) {
          if (signal.aborted) return;
          throw error;
        }
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            last = seqOf(entry[0]);
            for (const event of toEvent(entry)) {
              yield event;
              if (signal.aborted) return;
            }
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.followers.delete(reader);
      reader.disconnect();
    }
  }

  async trim(cutoff: number, opts: { dryRun?: boolean } = {}): Promise<TrimResult> {
    const result: TrimResult = { sessions: 0, removedEvents: 0 };
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${STREAM_PREFIX}*`, 'COUNT', 200);
      cursor = next;
      for (const key of keys) {
        const removed = await this.trimStream(key, cutoff, opts.dryRun === true);
        if (removed > 0) {
          result.sessions += 1;
          result.removedEvents += removed;
        }
      }
    } while (cursor !== '0');
    return result;
  }

  async close(): Promise<void> {
    for (const reader of this.followers) reader.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Removes the events before the first one stored at or after `cutoff`, always keeping the last. */
  private async trimStream(key: string, cutoff: number, dryRun: boolean): Promise<number> {
    const last = (await this.client.xrevrange(key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    const lastSeq = last[0] ? seqOf(last[0][0]) : 0;
    let keepFrom = lastSeq;
    let from = '-';
    scan: for (;;) {
      const entries = (await this.client.xrange(key, from, '+', 'COUNT', PAGE)) as StreamEntry[];
      for (const entry of entries) {
        const event = toEvent(entry)[0];
        if (event && Date.parse(event.at) >= cutoff) {
          keepFrom = Math.min(keepFrom, seqOf(entry[0]));
          break scan;
        }
      }
      if (entries.length < PAGE) break;
      from = `(${entries.at(-1)![0]}`;
    }
    if (keepFrom <= 1) return 0;
    const before = (await this.client.xrange(key, '-', `(${keepFrom}-0`)) as StreamEntry[];
    if (!dryRun && before.length > 0) await this.client.xtrim(key, 'MINID', `${keepFrom}-0`);
    return before.length;
  }

  toString(): string {
    return `redis event store at ${redactUrl(this.url)}`;
  }
}

function connect(url: string): Redis {
  const client = new Redis(url, {
    // Publishing must not hang a turn when Redis is away: fail the call, the caller logs it.
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    lazyConnect: false,
  });
  // Errors reach the calls that fail; without a listener ioredis would print each reconnect attempt.
  client.on('error', () => undefined);
  return client;
}

function toEvent([id, fields]: StreamEntry): SessionEvent[] {
  const index = fields.indexOf('e');
  const raw = index >= 0 ? fields[index + 1] : undefined;
  if (raw === undefined) return [];
  try {
    const value: unknown = { ...(JSON.parse(raw) as object), seq: seqOf(id) };
    return isSessionEvent(value) ? [value] : [];
  } catch {
    return [];
  }
}

function seqOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
