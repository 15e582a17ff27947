import { describe, expect, it } from 'vitest';
import type { Bus, Channel, OutboundMessage } from '../../src/runtime/index.js';
import { ChannelManager, MessageBus } from '../../src/runtime/index.js';
import { deferred } from '../core/helpers/tools.js';
import { within } from '../support/wait.js';
import { captureLogger } from './helpers/log-capture.js';

class RecordingChannel implements Channel {
  readonly sent: OutboundMessage[] = [];
  bus: Bus | undefined;
  stopped = false;
  private waiters: (() => void)[] = [];
  constructor(
    readonly name: string,
    private readonly failSend = false,
  ) {}
  async start(bus: Bus): Promise<void> {
    this.bus = bus;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  async send(msg: OutboundMessage): Promise<void> {
    if (this.failSend) throw new Error(`${this.name} is down`);
    this.sent.push(msg);
    for (const wake of this.waiters.splice(0)) wake();
  }
  /** Resolves when `count` messages have been sent here. */
  async received(count: number): Promise<void> {
    while (this.sent.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

describe('ChannelManager', () => {
  it('starts channels with the bus, routes outbound messages by channel name, and stops', async () => {
    const bus = new MessageBus();
    const telegram = new RecordingChannel('telegram');
    const slack = new RecordingChannel('slack');
    const broken = new RecordingChannel('broken', true);
    const log = captureLogger();
    const manager = new ChannelManager({ bus, channels: [telegram, slack, broken], logger: log.logger });
    await manager.start();
    expect(telegram.bus).toBe(bus);
    expect(slack.bus).toBe(bus);

    await bus.publishOutbound({ channel: 'slack', chatId: 'C1', content: 'to slack' });
    await bus.publishOutbound({ channel: 'nowhere', chatId: 'x', content: 'lost' });
    await bus.publishOutbound({ channel: 'broken', chatId: 'x', content: 'fails' });
    await bus.publishOutbound({ channel: 'telegram', chatId: '42', content: 'to telegram' });
    await within(telegram.received(1), 'the telegram message');

    expect(slack.sent).toEqual([{ channel: 'slack', chatId: 'C1', content: 'to slack' }]);
    expect(telegram.sent).toEqual([{ channel: 'telegram', chatId: '42', content: 'to telegram' }]);
    const lines = log.lines();
    expect(lines.some((l) => l.channel === 'nowhere' && l.level === 'warn' && String(l.msg).includes('unknown channel'))).toBe(true);
    expect(lines.some((l) => l.channel === 'broken' && l.level === 'error')).toBe(true);

    await within(manager.stop(), 'stop()');
    expect([telegram.stopped, slack.stopped, broken.stopped]).toEqual([true, true, true]);
    // The dispatcher has stopped: messages stay on the bus.
    await bus.publishOutbound({ channel: 'slack', chatId: 'C1', content: 'after stop' });
    expect(bus.outboundSize).toBe(1);
  });

  it('a channel that fails to start does not stop the others', async () => {
    const bus = new MessageBus();
    const good = new RecordingChannel('good');
    const bad: Channel = {
      name: 'bad',
      start: async () => Promise.reject(new Error('token rejected')),
      stop: async () => undefined,
      send: async () => undefined,
    };
    const log = captureLogger();
    const manager = new ChannelManager({ bus, channels: [bad, good], logger: log.logger });
    await manager.start();
    await bus.publishOutbound({ channel: 'good', chatId: '1', content: 'still works' });
    await within(good.received(1), 'delivery to the good channel');
    expect(log.lines().some((l) => l.channel === 'bad' && String(l.msg).includes('failed to start'))).toBe(true);
    await manager.stop();
  });

  it('refuses two channels with the same name', () => {
    const manager = new ChannelManager({ bus: new MessageBus(), logger: captureLogger().logger });
    manager.register(new RecordingChannel('cli'));
    expect(() => manager.register(new RecordingChannel('cli'))).toThrow(/already registered/);
  });

  it('works with a Bus that takes no AbortSignal', async () => {
    const inner = new MessageBus();
    // A minimal Bus: consume without a signal (e.g. a remote queue client).
    const bus: Bus = {
      publishInbound: (m) => inner.publishInbound(m),
      consumeInbound: () => inner.consumeInbound(),
      publishOutbound: (m) => inner.publishOutbound(m),
      consumeOutbound: () => inner.consumeOutbound(),
    };
    const channel = new RecordingChannel('web');
    const manager = new ChannelManager({ bus, channels: [channel], logger: captureLogger().logger });
    await manager.start();
    await bus.publishOutbound({ channel: 'web', chatId: '1', content: 'hello' });
    await within(channel.received(1), 'delivery');
    const stopped = deferred();
    void manager.stop().then(() => stopped.resolve());
    await within(stopped.promise, 'stop() with a signal-less bus');
  });
});
