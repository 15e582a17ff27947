import type { Bus, InboundMessage, OutboundMessage } from './bus.js';
import { abortReason } from './abortable.js';

/** The bus was closed: nothing more will arrive, so the consumer should stop. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError';
  constructor() {
    super('The message bus is closed.');
  }
}

interface Waiter<T> {
  resolve(item: T): void;
  reject(error: Error): void;
}

/** An unbounded FIFO whose `shift()` waits for the next item. */
class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.closed) throw new BusClosedError();
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.items.push(item);
  }

  shift(signal?: AbortSignal): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift() as T);
    if (this.closed) return Promise.reject(new BusClosedError());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(abortReason(signal!));
      };
      const waiter: Waiter<T> = {
        resolve: (item) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(item);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new BusClosedError());
  }
}

/**
 * The in-process bus: two async queues. `consume*` waits until a message arrives; pass an
 * AbortSignal to give up waiting, or `close()` the bus to release every waiter (messages
 * already queued are still delivered, then consumers get `BusClosedError`).
 */
export class MessageBus implements Bus {
  private readonly inbound = new AsyncQueue<InboundMessage>();
  private readonly outbound = new AsyncQueue<OutboundMessage>();

  async publishInbound(msg: InboundMessage): Promise<void> {
    this.inbound.push(msg);
  }

  consumeInbound(signal?: AbortSignal): Promise<InboundMessage> {
    return this.inbound.shift(signal);
  }

  async publishOutbound(msg: OutboundMessage): Promise<void> {
    this.outbound.push(msg);
  }

  consumeOutbound(signal?: AbortSignal): Promise<OutboundMessage> {
    return this.outbound.shift(signal);
  }

  get inboundSize(): number {
    return this.inbound.size;
  }

  get outboundSize(): number {
    return this.outbound.size;
  }

  /** Stops accepting messages and rejects every waiting consumer with `BusClosedError`. */
  close(): void {
    this.inbound.close();
    this.outbound.close();
  }
}
