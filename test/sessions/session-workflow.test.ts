// AgentSessionWorkflow on the real dev server: ordering, idempotency, continue-as-new, /stop,
// idle end and restart.
import { randomInt } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyJson, stepsOf } from '../durable/history.js';
import { waitUntil } from '../support/wait.js';
import { livePidsMatching } from '../durable/processes.js';
import { replayTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { getTestEnv } from '../helpers/temporal.js';
import { sessionLog, startSessionStack, turnsAreContiguous, userTexts, type SessionStack } from './session-stack.js';

let stack: SessionStack;

beforeAll(async () => {
  stack = await startSessionStack();
});
afterAll(async () => {
  await stack?.close();
});

const HISTORIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'replay', 'histories');

describe('AgentSessionWorkflow', () => {
  it('answers concurrent messages from three clients one at a time, in arrival order', async () => {
    const sessionId = 'concurrent';
    const env = await getTestEnv();
    const connections = await Promise.all([0, 1, 2].map(() => Connection.connect({ address: env.address })));
    try {
      await stack.withAgentWorker(async () => {
        const clients = connections.map((connection) => new Client({ connection, namespace: env.namespace }));
        const words = ['alpha', 'bravo', 'charlie'];
        const replies = await Promise.all(
          clients.map((client, i) =>
            new SessionClient(client, stack.taskQueue).send(sessionId, `run the command 'sleep 0.3 && echo ${words[i]}'`),
          ),
        );
        // Each reply answers its own message.
        replies.forEach((reply, i) => {
          expect(reply.status).toBe('completed');
          expect(reply.content).toContain(words[i]);
          expect(reply.toolsUsed).toEqual(['exec']);
        });
        // The log holds the three turns whole, in the order the session received them.
        const log = await sessionLog(stack, sessionId);
        expect(turnsAreContiguous(log)).toBe(true);
        const byArrival = [...replies].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
        expect(new Set(replies.map((r) => r.seq)).size).toBe(3);
        expect(userTexts(log)).toEqual(byArrival.map((r) => `run the command 'sleep 0.3 && echo ${words[replies.indexOf(r)]}'`));
        expect(log.filter((m) => m.role === 'user').map((m) => m.turnId)).toEqual(byArrival.map((r) => r.turnId));
      });
    } finally {
      await Promise.all(connections.map((connection) => connection.close()));
    }
  });

  it('answers a repeated message id once, with the same reply', async () => {
    const sessionId = 'dedup';
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      const text = 'remember that the sky is green';
      const [first, second] = await Promise.all([
        sessions.send(sessionId, text, { messageId: 'dup-1' }),
        sessions.send(sessionId, text, { messageId: 'dup-1' }),
      ]);
      const third = await sessions.send(sessionId, 'a different text, same id', { messageId: 'dup-1' });
      expect(first.content).toMatch(/the sky is green/);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      const status = await sessions.status(sessionId);
      expect(status?.turnCount).toBe(1);
      expect(userTexts(await sessionLog(stack, sessionId))).toEqual([text]);
    });
  });

  it('continues as new mid-stream without losing or repeating a message', async () => {
    const sessionId = 'can';
    const sessions = stack.sessions({ maxTurnsBeforeContinueAsNew: 2 });
    await stack.withAgentWorker(async () => {
      const texts = ["run the command 'sleep 1 && echo one'", 'message two', 'message three', 'message four', 'message five'];
      // Signals queue up while the first turn runs; the first run continues as new after two turns.
      const firstRun = await stack.client.workflow.signalWithStart('AgentSessionWorkflow', {
        workflowId: sessions.workflowId(sessionId),
        taskQueue: stack.taskQueue,
        args: [{ sessionId, maxTurnsBeforeContinueAsNew: 2 }],
        signal: 'sendMessage',
        signalArgs: [{ text: texts[0], messageId: 'm1' }],
      });
      for (const [i, text] of texts.slice(1).entries()) await sessions.signal(sessionId, text, { messageId: `m${i + 2}` });
      // An update sent into the second run: it waits for m5 and is answered before the next hand-over.
      await waitUntil('the second run', async () => ((await sessions.status(sessionId))?.run ?? 0) >= 2);
      const sixth = await sessions.send(sessionId, 'message six', { messageId: 'm6' });
      expect(sixth.content).toContain('message six');
      expect(sixth.seq).toBe(5);

      await waitUntil('six turns', async () => (await sessions.status(sessionId))?.turnCount === 6);
      expect(userTexts(await sessionLog(stack, sessionId))).toEqual([...texts, 'message six']);

      // m1 was answered two runs ago: its id is still known, and it runs no new turn.
      const again = await sessions.send(sessionId, 'one again?', { messageId: 'm1' });
      expect(again.content).toContain('The command output was: one');
      const status = await sessions.status(sessionId);
      expect(status?.turnCount).toBe(6);
      expect(status?.run).toBeGreaterThanOrEqual(3);
      expect(userTexts(await sessionLog(stack, sessionId))).toHaveLength(6);

      // The first run received all five messages but ran two turns: three were carried over.
      const history = await stack.client.workflow.getHandle(firstRun.workflowId, firstRun.signaledRunId).fetchHistory();
      const events = history.events ?? [];
      expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes).length).toBe(5);
      expect(stepsOf(history).filter((a) => a.type === 'recordTurn')).toHaveLength(2);
      expect(events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();

      // The history replays against the current workflow code (and is kept for the replay suite).
      await Worker.runReplayHistory({ workflowBundle: (await getTestEnv()).workflowBundle, ...replayTelemetryOptions() }, history, firstRun.workflowId);
      if (process.env['EXOCLAW_EXPORT_HISTORIES']) {
        await mkdir(HISTORIES_DIR, { recursive: true });
        await writeFile(join(HISTORIES_DIR, 'session-continue-as-new.json'), historyJson(history));
      }
    });
  });

  it('/stop ends a running exec at once, kills its process and keeps the session usable', async () => {
    const sessionId = 'stopper';
    const duration = `600.${randomInt(1000, 9999)}${randomInt(1000, 9999)}`;
    // Default session settings: /stop must be quick without tuning.
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      await sessions.signal(sessionId, `Wait with 'sleep ${duration}'`, { messageId: 'long' });
      await waitUntil('the sleep to start', () => livePidsMatching(`sleep ${duration}`).length > 0, { timeoutMs: 20_000 });
      const running = await sessions.status(sessionId);
      expect(running?.state).toBe('running');
      expect(running?.turn?.progress).toMatchObject({ phase: 'tools', iteration: 1, tools: [{ name: 'exec' }] });
      expect(JSON.stringify(running?.turn?.progress)).toContain(`sleep ${duration}`);

      const t0 = Date.now();
      const stopped = await sessions.stop(sessionId);
      expect(stopped.content).toBe('Stopped 1 task.');
      const idle = await waitUntil('the session to be idle', async () => {
        const s = await sessions.status(sessionId);
        return s?.state === 'idle' ? s : undefined;
      });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(idle.lastReply).toMatchObject({ messageId: 'long', status: 'stopped' });
      // The turn waited for the tool's cancellation to complete: the process is already gone.
      await waitUntil('the sleep to be killed', () => livePidsMatching(`sleep ${duration}`).length === 0, { timeoutMs: 1_000 });

      const next = await sessions.send(sessionId, 'are you still there?');
      expect(next.status).toBe('completed');
      expect(next.content).toContain('are you still there?');
      expect(await stack.deps.leases.holder(sessionId)).toBeUndefined();
    });
  });

  it('/new stops the running turn, saves memory and starts an empty conversation', async () => {
    const sessionId = 'renew';
    const duration = `600.${randomInt(1000, 9999)}${randomInt(1000, 9999)}`;
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      await sessions.send(sessionId, 'my name is Kim');
      await sessions.signal(sessionId, `Wait with 'sleep ${duration}'`);
      await waitUntil('the sleep to start', () => livePidsMatching(`sleep ${duration}`).length > 0, { timeoutMs: 20_000 });

      const renewed = await sessions.send(sessionId, '/new');
      expect(renewed).toMatchObject({ status: 'command', content: 'New session started.' });
      await waitUntil('the sleep to be killed', () => livePidsMatching(`sleep ${duration}`).length === 0, { timeoutMs: 10_000 });
      // The old conversation went to long-term memory before it was cleared.
      expect(await readFile(join(stack.workspace, 'memory', 'HISTORY.md'), 'utf8')).toMatch(/Kim/);

      await sessions.send(sessionId, 'hello again');
      expect(userTexts(await sessionLog(stack, sessionId))).toEqual(['hello again']);
    });
  });

  it('answers a failed turn with a readable reply and keeps going', async () => {
    const sessionId = 'failing';
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      stack.llm.injectFault({ status: 401 });
      const failed = await sessions.send(sessionId, 'this one meets a bad key');
      expect(failed.status).toBe('failed');
      expect(failed.content).toMatch(/^Sorry, this message could not be answered: .+/);
      expect(await stack.deps.leases.holder(sessionId)).toBeUndefined();
      const next = await sessions.send(sessionId, 'and this one?');
      expect(next.status).toBe('completed');
      expect(userTexts(await sessionLog(stack, sessionId))).toEqual(['and this one?']);
    });
  });

  it('answers /help at once and ends when idle; the next message restarts it with its history', async () => {
    const sessionId = 'idle';
    const sessions = stack.sessions({ idleTimeout: '1s' });
    await stack.withAgentWorker(async () => {
      const hello = await sessions.send(sessionId, 'my name is Zed');
      expect(hello.content).toMatch(/Zed/);
      const help = await sessions.send(sessionId, '/help');
      expect(help).toMatchObject({ status: 'command' });
      expect(help.content).toContain('/stop');

      const first = await sessions.handle(sessionId).describe();
      await waitUntil('the idle session to end', async () => (await sessions.handle(sessionId).describe()).status.name === 'COMPLETED');
      expect(await sessions.status(sessionId)).toBeUndefined();

      const recall = await sessions.send(sessionId, 'what is my name?');
      expect(recall.content).toContain('Your name is Zed');
      const second = await sessions.handle(sessionId).describe();
      expect(second.runId).not.toBe(first.runId);
    });
  });
});
