import type { SessionEvent } from '../contract/session-events.js';
import type { SessionEventStore } from '../events/session-event-store.js';

/** Events a slow reader may have waiting before it is cut off (it reconnects with Last-Event-ID). */
export const MAX_QUEUED_EVENTS = 10_000;

export class ReaderTooSlowError extends Error {
  override readonly name = 'ReaderTooSlowError';
}

interface Subscriber {
  queue: SessionEvent[];
  wake: () => void;
  failure?: Error;
}

interface Hub {
  subscribers: Set<Subscriber>;
  stop: AbortController;
  /** Resolves once the shared follower knows where it starts: readers read the store after that. */
  started: Promise<void>;
}

/**
 * One follower of a session's stream per gateway process, however many clients watch it: each
 * new reader gets what it missed from one read of the store, then the live events the shared
 * follower hands out. Without it 200 clients of one session are 200 tails of the same file.
 */
export class EventFanout {
  private readonly hubs = new Map<string, Hub>();

  constructor(private readonly store: SessionEventStore) {}

  /** Like `SessionEventStore.follow`: events with seq > `after`, in order, then live ones until `signal` aborts. */
  async *follow(sessionId: string, after: number, signal: AbortSignal): AsyncIterable<SessionEvent> {
    let wakeUp = (): void => undefined;
    const subscriber: Subscriber = { queue: [], wake: () => wakeUp() };
    const hub = this.join(sessionId, subscriber);
    const onAbort = (): void => subscriber.wake();
    signal.addEventListener('abort', onAbort);
    try {
      // Joined first, read second (once the follower's start is fixed): whatever the read misses
      // reaches the queue; what both have is skipped by seq.
      await hub.started;
      let last = after;
      for (const event of await this.store.read(sessionId, after)) {
        if (signal.aborted) return;
        last = event.seq;
        yield event;
      }
      while (!signal.aborted) {
        if (subscriber.failure) throw subscriber.failure;
        const event = subscriber.queue.shift();
        if (event === undefined) {
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            if (subscriber.queue.length > 0 || subscriber.failure || signal.aborted) resolve();
          });
          continue;
        }
        if (event.seq <= last) continue;
        last = event.seq;
        yield event;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.leave(sessionId, hub, subscriber);
    }
  }

  private join(sessionId: string, subscriber: Subscriber): Hub {
    let hub = this.hubs.get(sessionId);
    if (!hub) {
      let started = (): void => undefined;
      const created: Hub = { subscribers: new Set(), stop: new AbortController(), started: new Promise((resolve) => (started = resolve)) };
      this.hubs.set(sessionId, created);
      void this.pump(sessionId, created, started);
      hub = created;
    }
    hub.subscribers.add(subscriber);
    return hub;
  }

  private leave(sessionId: string, hub: Hub, subscriber: Subscriber): void {
    hub.subscribers.delete(subscriber);
    if (hub.subscribers.size > 0) return;
    hub.stop.abort();
    if (this.hubs.get(sessionId) === hub) this.hubs.delete(sessionId);
  }

  /** The shared follower: from the stream's end when the first reader came, to each reader's queue. */
  private async pump(sessionId: string, hub: Hub, started: () => void): Promise<void> {
    try {
      const from = await this.store.lastSeq(sessionId);
      started();
      for await (const event of this.store.follow(sessionId, from, hub.stop.signal)) {
        for (const subscriber of hub.subscribers) {
          if (subscriber.queue.length >= MAX_QUEUED_EVENTS) {
            subscriber.failure ??= new ReaderTooSlowError(`the reader fell ${MAX_QUEUED_EVENTS} events behind; reconnect with Last-Event-ID`);
          } else {
            subscriber.queue.push(event);
          }
          subscriber.wake();
        }
      }
      if (!hub.stop.signal.aborted) throw new Error('the event stream ended');
    } catch (error) {
      started();
      if (this.hubs.get(sessionId) === hub) this.hubs.delete(sessionId);
      for (const subscriber of hub.subscribers) {
        subscriber.failure ??= error as Error;
        subscriber.wake();
      }
    }
  }
}
