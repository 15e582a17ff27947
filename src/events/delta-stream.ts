import type { EventPublisher } from './event-publisher.js';

/** How long tokens gather before they are published as one `delta`: fewer events, still live to a reader. */
const FLUSH_MS = 40;

/**
 * The `delta` events of one model call (`step`) in one activity attempt. A retried attempt first
 * says `stream_restarted`, so readers drop what the dead attempt showed. Tokens that arrive within
 * a few milliseconds travel in one event; events go out one at a time, in order.
 */
export class DeltaStream {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly events: EventPublisher,
    private readonly target: { sessionId: string; turnId: string; step: string; attempt: number },
  ) {
    if (target.attempt > 1) {
      const { turnId, step, attempt } = target;
      this.enqueue(() => this.events.publish(target.sessionId, { type: 'stream_restarted', turnId, step, attempt }));
    }
  }

  push(text: string): void {
    if (!text) return;
    this.pending += text;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Publishes what is left and waits until every event of this stream is stored. */
  async close(): Promise<void> {
    this.flush();
    await this.chain;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    const { sessionId, turnId, step, attempt } = this.target;
    this.enqueue(() => this.events.publish(sessionId, { type: 'delta', turnId, step, attempt, text }));
  }

  private enqueue(publish: () => Promise<unknown>): void {
    this.chain = this.chain.then(publish, publish);
  }
}
