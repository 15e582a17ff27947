import type { Bus, OutboundMessage } from './bus.js';

/** A connection to the outside world (terminal, chat platform, webhook). */
export interface Channel {
  readonly name: string;
  /** The bus is handed over at start so channels can be built before the bus exists. */
  start(bus: Bus): Promise<void>;
  stop(): Promise<void>;
  send(msg: OutboundMessage): Promise<void>;
}
