// The hand-over between the channels process's streamed message and a worker's final delivery,
// over a shared state root and the fake Bot API (real HTTP): the delivery edits the streamed
// message; a 429 on that edit is retried after retry_after; a delivery whose worker died mid-edit
// is retried by another and still leaves one message; a late stream never starts a second one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelSendError } from '../../src/channels/channel-adapter.js';
import { ChannelOutbox } from '../../src/channels/channel-outbox.js';
import { DeliveryRecords } from '../../src/channels/delivery-record.js';
import { StreamedMessages } from '../../src/channels/streamed-messages.js';
import { TelegramApi } from '../../src/channels/telegram/telegram-api.js';
import { TelegramSender } from '../../src/channels/telegram/telegram-sender.js';
import { TelegramStreamedTurn } from '../../src/channels/telegram/telegram-streamed-turn.js';
import type { ChannelDelivery } from '../../src/contract/index.js';
import { createLogger } from '../../src/logger.js';
import { waitUntil } from '../support/wait.js';
import { startFakeTelegram, type FakeTelegram } from './fake-platforms.js';

const TOKEN = '777:handover-token';
let telegram: FakeTelegram;
let stateDir: string;
const abort = new AbortController();

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
});
afterAll(async () => {
  abort.abort();
  await telegram?.close();
});
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'exoclaw-tg-handover-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A worker's outbox over the state root (a new one stands for another worker process). */
const workerOutbox = () =>
  new ChannelOutbox({ telegram: new TelegramSender({ apiBase: telegram.url, token: TOKEN }) }, new DeliveryRecords(stateDir), new StreamedMessages(stateDir));

/** What the channels process does: shows the turn's text so far in one message. */
async function streamed(key: string, chatId: string, text: string): Promise<number> {
  const turn = new TelegramStreamedTurn(key, chatId, {
    api: new TelegramApi(telegram.url, TOKEN),
    messages: new StreamedMessages(stateDir),
    intervalMs: 250,
    logger: createLogger({ level: 'silent' }),
    signal: abort.signal,
  });
  turn.show(text);
  const message = await waitUntil('the streamed message', () => telegram.messagesTo(chatId)[0]);
  await turn.idle();
  turn.finish();
  return message.messageId!;
}

const reply = (chatId: string, key: string, content: string): ChannelDelivery => ({ channel: 'telegram', chatId, kind: 'reply', key, content });

describe('telegram streamed message hand-over', () => {
  it('the final delivery edits the streamed message; a 429 on that edit is thrown with its retry_after and the retry edits', async () => {
    const messageId = await streamed('t1/reply', '1800', 'The answer so');
    telegram.editFaults.push({ status: 429, retryAfterSeconds: 3 });
    const outbox = workerOutbox();
    const error = await outbox.deliver(reply('1800', 't1/reply', 'The answer so far is 42.')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelSendError);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3000 });
    expect(await outbox.deliver(reply('1800', 't1/reply', 'The answer so far is 42.'))).toMatchObject({ status: 'delivered', parts: 1 });
    expect(telegram.messagesTo('1800')).toEqual([expect.objectContaining({ messageId, text: 'The answer so far is 42.' })]);
  });

  it('a worker killed mid-edit (Telegram applied it, the answer was lost): the retry on another worker sends nothing new', async () => {
    const messageId = await streamed('t2/reply', '1801', 'Half an');
    telegram.editFaults.push({ hang: true });
    const dying = workerOutbox().deliver(reply('1801', 't2/reply', 'Half an answer is no answer.'), AbortSignal.timeout(1500));
    await expect(dying).rejects.toThrow();
    expect(telegram.messagesTo('1801')[0]!.text).toBe('Half an answer is no answer.');
    // "message is not modified" from Telegram: the part is already there, and counts as delivered.
    expect(await workerOutbox().deliver(reply('1801', 't2/reply', 'Half an answer is no answer.'))).toMatchObject({ status: 'delivered' });
    expect(telegram.sent.filter((s) => s.method === 'sendMessage' && s.chatId === '1801')).toHaveLength(1);
    expect(telegram.messagesTo('1801')).toEqual([expect.objectContaining({ messageId, text: 'Half an answer is no answer.' })]);
  });

  it('a delivery that comes first sends the reply itself, and a stream starting later sends nothing', async () => {
    expect(await workerOutbox().deliver(reply('1802', 't3/reply', 'Quick answer.'))).toMatchObject({ status: 'delivered' });
    const late = new TelegramStreamedTurn('t3/reply', '1802', {
      api: new TelegramApi(telegram.url, TOKEN),
      messages: new StreamedMessages(stateDir),
      intervalMs: 250,
      logger: createLogger({ level: 'silent' }),
      signal: abort.signal,
    });
    late.show('Quick');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await late.idle();
    expect(telegram.messagesTo('1802').map((m) => m.text)).toEqual(['Quick answer.']);
  });

  it('a long reply edits the streamed message into its first part and sends the rest', async () => {
    const messageId = await streamed('t4/reply', '1803', 'word word');
    const content = 'word '.repeat(1200).trim();
    expect(await workerOutbox().deliver(reply('1803', 't4/reply', content))).toMatchObject({ status: 'delivered', parts: 2 });
    const parts = telegram.messagesTo('1803');
    expect(parts).toHaveLength(2);
    expect(parts[0]!.messageId).toBe(messageId);
    expect(parts.map((p) => p.text).join(' ').split(/\s+/)).toHaveLength(1200);
  });

  it('a command answer never edits a streamed message', async () => {
    await streamed('t5/reply', '1804', 'streamed text');
    expect(await workerOutbox().deliver({ ...reply('1804', 't5/reply', 'New session started.'), kind: 'command' })).toMatchObject({ status: 'delivered' });
    expect(telegram.messagesTo('1804').map((m) => m.text)).toEqual(['streamed text', 'New session started.']);
  });
});
