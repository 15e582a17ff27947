// The delivery records a retried delivery resumes from, and gc sweeping old ones.
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChannelSendError, type ChannelSender, type OutboundPart } from '../../src/channels/channel-adapter.js';
import { ChannelOutbox } from '../../src/channels/channel-outbox.js';
import { DeliveryRecords } from '../../src/channels/delivery-record.js';
import { sweepState } from '../../src/storage/state-sweeper.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A sender that records parts and fails on demand (a platform in the test, not our code). */
function recordingSender(failAt: Set<number>): ChannelSender & { sent: OutboundPart[] } {
  const sent: OutboundPart[] = [];
  return {
    channel: 'webhook',
    maxMessageChars: 100,
    sent,
    async send(part) {
      if (failAt.delete(part.part)) throw new ChannelSendError('The webhook receiver answered 503: busy', true);
      sent.push(part);
      return {};
    },
  };
}

describe('channel delivery records', () => {
  it('a retry resumes after the last part sent and sends none twice', async () => {
    dir = await mkdtemp(join(tmpdir(), 'exoclaw-deliveries-'));
    const sender = recordingSender(new Set([3]));
    const outbox = new ChannelOutbox({ webhook: sender }, new DeliveryRecords(dir));
    const delivery = { channel: 'webhook' as const, chatId: 'c', kind: 'reply' as const, key: 'turn-1/reply', content: 'word '.repeat(100) };
    await expect(outbox.deliver(delivery)).rejects.toBeInstanceOf(ChannelSendError);
    expect(sender.sent.map((p) => p.part)).toEqual([1, 2]);
    expect(await outbox.deliver(delivery)).toMatchObject({ status: 'delivered' });
    const parts = sender.sent.map((p) => p.part);
    expect(parts).toEqual([...new Set(parts)]);
    expect(parts[parts.length - 1]).toBe(sender.sent[0]!.parts);
    expect(sender.sent.map((p) => p.key)).toEqual(parts.map((n) => `turn-1/reply#${n}`));
    // Delivered before: nothing is sent again.
    const before = sender.sent.length;
    await outbox.deliver(delivery);
    expect(sender.sent.length).toBe(before);
  });

  it('a final refusal is returned, not thrown, and gc removes old records', async () => {
    dir = await mkdtemp(join(tmpdir(), 'exoclaw-deliveries-'));
    const refusing: ChannelSender = {
      channel: 'webhook',
      maxMessageChars: 100,
      send: async () => {
        throw new ChannelSendError('The webhook receiver answered 404: no such chat', false);
      },
    };
    const outbox = new ChannelOutbox({ webhook: refusing }, new DeliveryRecords(dir));
    expect(await outbox.deliver({ channel: 'webhook', chatId: 'gone', kind: 'reply', key: 'k', content: 'hi' })).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining('404'),
    });
    expect(await outbox.deliver({ channel: 'slack', chatId: 'c', kind: 'reply', key: 'k2', content: 'hi' })).toMatchObject({ status: 'not-configured' });

    await new DeliveryRecords(dir).write('old-key', { parts: 1, sent: [null] });
    const folder = join(dir, 'channel-deliveries');
    const [file] = await readdir(folder);
    const old = new Date(Date.now() - 10 * 24 * 3600 * 1000);
    await utimes(join(folder, file!), old, old);
    const result = await sweepState(dir);
    expect(result.byKind['channel-deliveries']).toMatchObject({ removed: 1 });
  });
});
