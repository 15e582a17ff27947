// A worker SIGKILLed in the middle of delivering a reply: the delivery is retried on another
// worker process with the same idempotency key, so the receiver (which de-duplicates on it, as
// the webhook contract asks) shows the reply exactly once; nothing is lost.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { ensureWorkers, isolatedWorkerEnv, resumedElsewhere, running, startSharedRig, waitForActivity } from '../faults/fault-helpers.js';
import { waitUntil } from '../support/wait.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from './fake-platforms.js';

const SECRET = 'canary-kill-test-secret-0b5e2d71';
const WORKERS = ['worker-a', 'worker-b'];
let rig: DurabilityRig;
let receiver: FakeWebhookReceiver;

beforeAll(async () => {
  receiver = await startFakeWebhookReceiver(SECRET);
  const env = isolatedWorkerEnv();
  // The URL in the config file, the secret from the environment: as in production.
  const configFile = join(env.HOME!, 'config.json');
  writeFileSync(configFile, JSON.stringify({ channels: { webhook: { enabled: true, url: receiver.url, allowFrom: ['alice'] } } }));
  rig = await startSharedRig({ workerEnv: { ...env, EXOCLAW_WEBHOOK_SECRET: SECRET }, workerArgs: ['--config', configFile] });
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await receiver?.close();
}, 60_000);

describe('delivery when a worker dies', () => {
  it('SIGKILL during deliverChannelMessage: delivered exactly once, by the other worker', async () => {
    await ensureWorkers(rig, WORKERS);
    receiver.faults.push({ hang: true }); // the first POST is taken but never answered
    const sessions = new SessionClient(rig.client, rig.taskQueue);
    await sessions.signal('webhook:kill-room', 'deliver me once', { messageId: 'k-1', channel: 'webhook', chatId: 'kill-room' });

    const handle = sessions.handle('webhook:kill-room');
    const tracker = new ActivityTracker(handle);
    await waitUntil('the first delivery attempt at the receiver', () => receiver.attempts.length === 1, { timeoutMs: 60_000 });
    const victim = await waitForActivity(tracker, 'deliverChannelMessage to run', () => running(tracker, 'deliverChannelMessage'), 30_000);
    await rig.fleet.kill(victim.identity, 'SIGKILL');

    // The heartbeat timeout (10 s) notices the death; the other worker sends again, same key.
    await waitUntil('a second attempt', () => receiver.attempts.length >= 2, { timeoutMs: 60_000 });
    await waitForActivity(tracker, 'the retry on the other worker', () => resumedElsewhere(victim.activity, victim.identity), 30_000);
    await waitUntil('the delivery to finish', async () => (await tracker.poll(), victim.activity.outcome?.kind === 'completed'), {
      timeoutMs: 30_000,
    });

    const keys = receiver.attempts.map((a) => a.key);
    expect(new Set(keys).size).toBe(1);
    expect(receiver.delivered).toHaveLength(1);
    expect(receiver.delivered[0]!.body).toMatchObject({ chatId: 'kill-room', kind: 'reply' });
    expect(receiver.delivered[0]!.body.text).toContain('deliver me once');
    expect(receiver.attempts.every((a) => a.signatureProblem === undefined)).toBe(true);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(SECRET);
  }, 180_000);
});
