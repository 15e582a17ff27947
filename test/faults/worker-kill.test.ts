// Real worker processes, real signals: every turn completes exactly once when the worker
// running it dies mid-model-call, mid-tool, right after a tool, or is stopped gracefully.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { DEFAULT_SCRIPT } from '../../dev/scripted-llm/index.js';
import { interruptedAttemptMessage } from '../../src/tools/exec-tool.js';
import {
  ensureWorkers,
  expectRecordedOnce,
  result,
  resumedElsewhere,
  running,
  startSharedRig,
  summary,
  waitForActivity,
} from './fault-helpers.js';
import { waitUntil } from '../support/wait.js';

const WORKERS = ['worker-a', 'worker-b'];
const HEARTBEAT_S = 4;
/** The bound: a SIGKILLed activity resumes within the heartbeat timeout plus a few seconds. */
const RESUME_BOUND_S = HEARTBEAT_S + 10;
const quick = { heartbeatTimeout: `${HEARTBEAT_S}s` };

let rig: DurabilityRig;
let seq = 0;
const sessionId = (name: string): string => `fault-${name}-${Date.now()}-${seq++}`;
const lines = (file: string): string[] => {
  try {
    return readFileSync(join(rig.workspace, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return []; // not written yet
  }
};

beforeAll(async () => {
  // A short grace so the SIGTERM test hands the tool back quickly (the product default is 10 s).
  rig = await startSharedRig({ shutdownGrace: '2s' });
}, 120_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

describe('fault suite: killing real worker processes', () => {
  it('SIGKILL during llmChat: the model call is retried on the other worker', async () => {
    await ensureWorkers(rig, WORKERS);
    rig.llm?.injectFault({ delayMs: 30_000, times: 1 }); // the first model call hangs
    const id = sessionId('llm');
    const message = 'hello from the llm fault test';
    const handle = await rig.startTurn({ sessionId: id, message, activityOptions: { llmChat: quick } }, id);
    const tracker = new ActivityTracker(handle);
    const victim = await waitForActivity(tracker, 'llmChat to start', () => running(tracker, 'llmChat'), 30_000);
    // The activity can be running before its HTTP request reaches the model: kill mid-request.
    const requestsFor = () => rig.llm?.chatRequests().filter((r) => JSON.stringify(r.body).includes(message)).length ?? 0;
    await waitUntil('the model request to arrive', () => requestsFor() === 1, {
      timeoutMs: 10_000,
      intervalMs: 50,
      detail: () => `requests so far: ${requestsFor()}`,
    });
    const killedAt = Date.now();
    const exit = await rig.fleet.kill(victim.identity, 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    const resumed = await waitForActivity(tracker, 'llmChat to resume', () => resumedElsewhere(victim.activity, victim.identity), 40_000);
    expect((resumed.startedMs - killedAt) / 1000).toBeLessThanOrEqual(RESUME_BOUND_S);
    const outcome = await result(handle, 60_000);
    expect(outcome.finalContent).toMatch(/^\[scripted-llm\] You said: /);
    expect(outcome.finalContent).toContain(message);
    expectRecordedOnce(rig.stateDir, id, message);
    expect(requestsFor()).toBe(2); // hung + retried
  }, 90_000);

  it('SIGKILL during executeTool: the retry is told, the command is not silently run twice', async () => {
    await ensureWorkers(rig, WORKERS);
    const id = sessionId('exec');
    const command = 'echo ran >> exec-marker.txt && sleep 4 && echo task complete';
    const message = `Run the command '${command}'`;
    const handle = await rig.startTurn({ sessionId: id, message, activityOptions: { executeTool: quick } }, id);
    const tracker = new ActivityTracker(handle);
    const victim = await waitForActivity(tracker, 'executeTool to start', () => running(tracker, 'executeTool'), 30_000);
    await waitUntil('the command to start', () => lines('exec-marker.txt').length > 0, { timeoutMs: 10_000 });
    const killedAt = Date.now();
    await rig.fleet.kill(victim.identity, 'SIGKILL');

    const resumed = await waitForActivity(tracker, 'executeTool to resume', () => resumedElsewhere(victim.activity, victim.identity), 40_000);
    expect((resumed.startedMs - killedAt) / 1000).toBeLessThanOrEqual(RESUME_BOUND_S);
    const outcome = await result(handle, 60_000);
    expect(outcome.finalContent).toMatch(/(^|: )task complete$/m);

    const turn = expectRecordedOnce(rig.stateDir, id, message);
    const execCalls = turn.flatMap((m) => m.toolCalls).filter((c) => c.name === 'exec');
    const firstResult = turn.find((m) => m.role === 'tool' && m.toolCallId === execCalls[0]?.id);
    // The retried attempt of the interrupted call reported the interruption instead of running again...
    expect(firstResult?.text).toBe(interruptedAttemptMessage(command));
    // ...and the model chose to run it again as a new call: one marker line per call, none from a silent re-run.
    expect(execCalls).toHaveLength(2);
    expect(lines('exec-marker.txt')).toHaveLength(execCalls.length);
  }, 120_000);

  it('SIGKILL right after a tool finished, before recordTurn: nothing runs or is recorded twice', async () => {
    await ensureWorkers(rig, WORKERS);
    // The model's answer to the tool result takes 4 s: a window after the tool, before recordTurn.
    rig.llm?.setScript({
      rules: [
        {
          name: 'slow follow-up',
          when: { hasToolResult: true, lastToolResultMatches: '^marked' },
          reply: { text: '[scripted-llm] The command output was: {{lastToolResult}}' },
          delayMs: 4000,
        },
      ],
      useDefaults: true,
    });
    try {
      const id = sessionId('after-tool');
      const message = "Run the command 'echo once >> after-tool-marker.txt && echo marked'";
      const handle = await rig.startTurn({ sessionId: id, message, activityOptions: { llmChat: quick } }, id);
      const tracker = new ActivityTracker(handle);
      const tool = await waitForActivity(
        tracker,
        'executeTool to complete',
        () => [...tracker.activities.values()].find((a) => a.type === 'executeTool' && a.outcome?.kind === 'completed'),
        30_000,
      );
      const ranOn = tool.outcome?.identity ?? [...tool.attempts.values()].pop()?.identity ?? '';
      expect(WORKERS).toContain(ranOn);
      expect([...tracker.activities.values()].some((a) => a.type === 'recordTurn'), 'killed before recordTurn').toBe(false);
      await rig.fleet.kill(ranOn, 'SIGKILL'); // it also holds the workflow in its cache (sticky queue)

      const outcome = await result(handle, 60_000);
      await tracker.poll();
      expect(outcome.finalContent).toMatch(/marked/);
      expect(lines('after-tool-marker.txt')).toEqual(['once']);
      expect(tool.attempts.size, 'the finished tool call was not retried').toBe(1);
      const turn = expectRecordedOnce(rig.stateDir, id, message);
      expect(turn.filter((m) => m.role === 'tool')).toHaveLength(1);
      const recordTurn = [...tracker.activities.values()].find((a) => a.type === 'recordTurn');
      expect(recordTurn?.outcome?.kind, summary(tracker)).toBe('completed');
    } finally {
      rig.llm?.setScript(DEFAULT_SCRIPT);
    }
  }, 90_000);

  it('SIGTERM during a tool: the worker exits cleanly and hands the tool back at once', async () => {
    await ensureWorkers(rig, WORKERS);
    const id = sessionId('term');
    const message = "Run the command 'sleep 5 && echo task complete'";
    // A long heartbeat timeout: a quick resume can only come from the graceful hand-back.
    const handle = await rig.startTurn({ sessionId: id, message, activityOptions: { executeTool: { heartbeatTimeout: '60s' } } }, id);
    const tracker = new ActivityTracker(handle);
    const victim = await waitForActivity(tracker, 'executeTool to start', () => running(tracker, 'executeTool'), 30_000);
    const killedAt = Date.now();
    const exit = await rig.fleet.kill(victim.identity, 'SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null }); // a graceful, complete shutdown
    expect((Date.now() - killedAt) / 1000).toBeLessThan(2 + 8); // grace 2 s plus process exit (the command alone would take 5 s)

    const resumed = await waitForActivity(tracker, 'executeTool to resume', () => resumedElsewhere(victim.activity, victim.identity), 30_000);
    expect((resumed.startedMs - killedAt) / 1000).toBeLessThan(15); // far below the 60 s heartbeat timeout
    expect(victim.activity.lastRetryReason ?? '').toMatch(/shutting down|cancel/i);
    const outcome = await result(handle, 60_000);
    expect(outcome.finalContent).toMatch(/(^|: )task complete$/m);
    expectRecordedOnce(rig.stateDir, id, message);
  }, 90_000);

  it('the scripted LLM answering 500 for a while: the turn waits it out and completes once', async () => {
    await ensureWorkers(rig, WORKERS.slice(0, 1));
    const before = rig.llm?.chatRequests().length ?? 0;
    rig.llm?.injectFault({ status: 500, times: 3 });
    const id = sessionId('500');
    const message = 'hello through three server errors';
    const handle = await rig.startTurn({ sessionId: id, message }, id);
    const outcome = await result(handle, 60_000);
    expect(outcome.finalContent).toMatch(/^\[scripted-llm\] You said: /);
    expect(outcome.finalContent).toContain(message);
    const requests = rig.llm?.chatRequests().slice(before) ?? [];
    expect(requests.filter((r) => r.fault?.status === 500)).toHaveLength(3);
    expect(requests).toHaveLength(4);
    expectRecordedOnce(rig.stateDir, id, message);
  }, 60_000);
});
