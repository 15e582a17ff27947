import type { Bus, OutboundMessage } from './bus.js';
import type { Channel } from './channel.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { raceAbort } from './abortable.js';
import { BusClosedError } from './message-bus.js';

export interface ChannelManagerOptions {
  bus: Bus;
  channels?: Channel[];
  logger?: Logger;
}

/**
 * Starts and stops channels, and delivers each outbound message to the channel it names.
 * A message for an unknown channel, or a channel that fails to send, is logged and skipped.
 */
export class ChannelManager {
  readonly bus: Bus;
  private readonly channels = new Map<string, Channel>();
  private readonly log: Logger;
  private dispatchController: AbortController | undefined;
  private dispatching: Promise<void> | undefined;

  constructor(opts: ChannelManagerOptions) {
    this.bus = opts.bus;
    this.log = (opts.logger ?? sharedLogger()).child({ component: 'channel-manager' });
    for (const channel of opts.channels ?? []) this.register(channel);
  }

  register(channel: Channel): void {
    if (this.channels.has(channel.name)) {
      throw new Error(`A channel named '${channel.name}' is already registered; channel names must be unique.`);
    }
    this.channels.set(channel.name, channel);
  }

  get(name: string): Channel | undefined {
    return this.channels.get(name);
  }

  get names(): string[] {
    return [...this.channels.keys()];
  }

  /** Starts every channel (a channel that fails to start is logged) and the outbound dispatcher. */
  async start(): Promise<void> {
    if (this.dispatching) return;
    const controller = new AbortController();
    this.dispatchController = controller;
    this.dispatching = this.dispatchOutbound(controller.signal);
    await Promise.all(
      [...this.channels.values()].map(async (channel) => {
        try {
          await channel.start(this.bus);
        } catch (error) {
          this.log.error({ err: error, channel: channel.name }, 'channel failed to start');
        }
      }),
    );
    this.log.info({ channels: this.names }, 'channels started');
  }

  /** Stops the dispatcher, then every channel. */
  async stop(): Promise<void> {
    this.dispatchController?.abort();
    await this.dispatching;
    this.dispatching = undefined;
    this.dispatchController = undefined;
    for (const channel of this.channels.values()) {
      try {
        await channel.stop();
      } catch (error) {
        this.log.error({ err: error, channel: channel.name }, 'channel failed to stop');
      }
    }
    this.log.info('channels stopped');
  }

  /** Delivers one message to its channel; returns false when it could not be delivered. */
  async deliver(msg: OutboundMessage): Promise<boolean> {
    const channel = this.channels.get(msg.channel);
    if (!channel) {
      this.log.warn({ channel: msg.channel, known: this.names }, 'outbound message for an unknown channel dropped');
      return false;
    }
    try {
      await channel.send(msg);
      return true;
    } catch (error) {
      this.log.error({ err: error, channel: msg.channel }, 'channel failed to send a message');
      return false;
    }
  }

  private async dispatchOutbound(signal: AbortSignal): Promise<void> {
    // MessageBus accepts a signal; any other Bus is raced against it.
    const consume = this.bus.consumeOutbound as (signal?: AbortSignal) => Promise<OutboundMessage>;
    for (;;) {
      let msg: OutboundMessage;
      try {
        msg = await raceAbort(consume.call(this.bus, signal), signal);
      } catch (error) {
        if (signal.aborted || error instanceof BusClosedError) return;
        this.log.error({ err: error }, 'outbound dispatch stopped: the bus failed');
        return;
      }
      await this.deliver(msg);
    }
  }
}
