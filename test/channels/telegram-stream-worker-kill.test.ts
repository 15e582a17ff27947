// A streamed Telegram answer whose final delivery dies with its worker: the channels runner (in
// this process) streams the answer into one message; the worker process delivering the reply is
// SIGKILLed while its editMessageText hangs (Telegram applied it, the answer never came back); the
// delivery is retried on the other worker process, finds the streamed message on the shared state
// root and edits it again ("not modified"): the chat shows one message with the reply.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { startChannels, type RunningChannels } from '../../src/channels/channels-runner.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { ensureWorkers, isolatedWorkerEnv, resumedElsewhere, running, startSharedRig, waitForActivity } from '../faults/fault-helpers.js';
import { waitUntil } from '../support/wait.js';
import { startFakeTelegram, type FakeTelegram } from './fake-platforms.js';

const TOKEN = '5150:stream-kill-token';
const WORKERS = ['tg-worker-a', 'tg-worker-b'];
const STORY = Array.from({ length: 30 }, (_, i) => `Part ${i + 1} of the answer.`).join(' ');
let rig: DurabilityRig;
let telegram: FakeTelegram;
let channels: RunningChannels;

beforeAll(async () => {
  telegram = await startFakeTelegram(TOKEN);
  const env = isolatedWorkerEnv();
  const configFile = join(env.HOME!, 'config.json');
  writeFileSync(configFile, JSON.stringify({ channels: { telegram: { enabled: true, apiBase: telegram.url, allowFrom: ['@ada'] } } }));
  rig = await startSharedRig({ workerEnv: { ...env, EXOCLAW_TELEGRAM_TOKEN: TOKEN }, workerArgs: ['--config', configFile] });
  rig.llm!.setScript({
    useDefaults: true,
    rules: [{ name: 'story', when: { lastUserMatches: 'tell a story' }, reply: { text: STORY }, stream: { pieces: 20, pauseMs: 100 } }],
  });
  // The channels process: the same state root as the workers. Edits so rare that the stream only
  // sends its first message: every editMessageText below is the final delivery's.
  const config = loadConfig({
    env: { HOME: env.HOME! },
    overrides: {
      agents: { defaults: { workspace: rig.workspace, stateDir: rig.stateDir } },
      channels: {
        telegram: { enabled: true, token: TOKEN, apiBase: telegram.url, allowFrom: ['@ada'], pollTimeoutSeconds: 1, streamEditIntervalMs: 60_000 },
      },
    },
    onWarning: () => undefined,
  });
  const sessions = new SessionClient(rig.client, rig.taskQueue);
  channels = await startChannels(config, sessions, { host: '127.0.0.1', port: 0, logger: createLogger({ level: 'warn' }) });
}, 120_000);

afterAll(async () => {
  await channels?.close();
  await rig?.close();
  await telegram?.close();
}, 60_000);

describe('streamed telegram answer, worker killed during the final edit', () => {
  it('SIGKILL during deliverChannelMessage: the retry edits the same message, the chat shows one message', async () => {
    await ensureWorkers(rig, WORKERS);
    telegram.editFaults.push({ hang: true });
    telegram.userMessage(1700, { id: 1, username: 'ada' }, 'tell a story');

    const streamedMessage = await waitUntil('the streamed message', () => telegram.messagesTo(1700)[0], { timeoutMs: 60_000 });
    expect(streamedMessage.text!.length).toBeLessThan(STORY.length);
    const tracker = new ActivityTracker(new SessionClient(rig.client, rig.taskQueue).handle('telegram:1700'));
    await waitUntil('the final edit at the fake', () => telegram.editAttempts === 1, { timeoutMs: 60_000 });
    const victim = await waitForActivity(tracker, 'deliverChannelMessage to run', () => running(tracker, 'deliverChannelMessage'), 30_000);
    await rig.fleet.kill(victim.identity, 'SIGKILL');

    await waitForActivity(tracker, 'the retry on the other worker', () => resumedElsewhere(victim.activity, victim.identity), 60_000);
    await waitUntil('the delivery to finish', async () => (await tracker.poll(), victim.activity.outcome?.kind === 'completed'), { timeoutMs: 60_000 });

    expect(telegram.editAttempts).toBeGreaterThanOrEqual(2);
    expect(telegram.sent.filter((s) => s.method === 'sendMessage' && s.chatId === '1700')).toHaveLength(1);
    expect(telegram.messagesTo(1700)).toEqual([expect.objectContaining({ messageId: streamedMessage.messageId, text: STORY })]);
  }, 180_000);
});
