// A worker process SIGKILLed while it streams a model answer: the model call restarts on the other
// worker, readers are told (stream_restarted, deltas of attempt 2), and a client rendering the
// stream ends with exactly the recorded reply, never a mix of both attempts.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import type { SessionEvent } from '../../src/contract/index.js';
import { FileEventStore, StreamText } from '../../src/events/index.js';
import { waitUntil } from '../support/wait.js';
import { ensureWorkers, expectRecordedOnce, result, running, startSharedRig, waitForActivity } from './fault-helpers.js';

const WORKERS = ['stream-a', 'stream-b'];
const ANSWER = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');

let rig: DurabilityRig;

beforeAll(async () => {
  rig = await startSharedRig();
  rig.llm!.setScript({
    useDefaults: true,
    rules: [{ name: 'slow stream', when: { lastUserMatches: 'stream through a kill' }, reply: { text: ANSWER }, stream: { pieces: 40, pauseMs: 150 } }],
  });
}, 120_000);
afterAll(async () => {
  await rig?.close();
}, 60_000);

it('SIGKILL mid-stream: the retry restarts the stream and the rendered text equals the recorded reply', async () => {
  await ensureWorkers(rig, WORKERS);
  const sessionId = `stream-kill-${Date.now()}`;
  const store = new FileEventStore(rig.stateDir);
  const events: SessionEvent[] = [];
  const stop = new AbortController();
  const reading = (async () => {
    for await (const event of store.follow(sessionId, 0, stop.signal)) events.push(event);
  })();
  try {
    const handle = await rig.startTurn(
      { sessionId, message: 'please stream through a kill', activityOptions: { llmChat: { heartbeatTimeout: '4s' } } },
      sessionId,
    );
    const tracker = new ActivityTracker(handle);
    const victim = await waitForActivity(tracker, 'llmChat to start', () => running(tracker, 'llmChat'), 30_000);
    await waitUntil('a few deltas of the first attempt', () => events.filter((event) => event.type === 'delta').length >= 3, {
      timeoutMs: 20_000,
      intervalMs: 20,
      detail: () => JSON.stringify(events.map((event) => event.type)),
    });
    const exit = await rig.fleet.kill(victim.identity, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    const outcome = await result(handle, 90_000);
    expect(outcome.finalContent).toBe(ANSWER);
    expectRecordedOnce(rig.stateDir, sessionId, 'please stream through a kill');
    await waitUntil('turn_finished on the stream', () => events.some((event) => event.type === 'turn_finished'), { timeoutMs: 20_000 });

    const deltas = events.filter((event) => event.type === 'delta');
    expect(deltas.some((delta) => delta.attempt === 1)).toBe(true);
    expect(deltas.some((delta) => delta.attempt === 2)).toBe(true);
    const restart = events.findIndex((event) => event.type === 'stream_restarted');
    expect(events[restart]).toMatchObject({ step: 'llm-1', attempt: 2 });
    // Every delta of the retry comes after the restart notice.
    expect(events.findIndex((event) => event.type === 'delta' && event.attempt === 2)).toBeGreaterThan(restart);
    // Joining every delta would show the dead attempt's words and then the retry's: garbled.
    const naive = deltas.map((delta) => delta.text).join('');
    expect(naive).not.toBe(ANSWER);
    const rendered = new StreamText();
    for (const event of events) rendered.apply(event);
    expect(rendered.text()).toBe(ANSWER);
    expect(rendered.text()).toBe(outcome.finalContent);
    expect(events.find((event) => event.type === 'reply')).toMatchObject({ status: 'completed', content: ANSWER });
  } finally {
    stop.abort();
    await reading;
  }
}, 150_000);
