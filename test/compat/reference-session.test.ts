// The reference's session client against AgentSessionWorkflow: its SessionInput, its
// `send_message` signal and its queries, exactly as its example uses them; and what happens to
// signals and updates nobody here knows (logged, counted, visible in a query).
import { capturedLogLines, captureLogger } from '../durable/log-capture.js';
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionStatus, TurnWorkflowResult, UnknownMessageCounts } from '../../src/contract/index.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';
import { referenceFixture, type ReferenceSessionExample } from './reference-fixtures.js';

const example = referenceFixture<ReferenceSessionExample>('reference-session-example.json');

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack({
    logger: captureLogger,
    providers: (url) => ({ anthropic: { apiKey: 'test-anthropic-key', apiBase: url } }),
  });
});
afterEach(() => stack.llm.reset());
afterAll(async () => {
  await stack?.close();
});

function startSession(input: unknown, workflowId: string): Promise<WorkflowHandle> {
  return stack.client.workflow.start('AgentSessionWorkflow', { taskQueue: stack.taskQueue, workflowId, args: [input] });
}

/** What the reference's example does after each signal: wait while is_processing, then read get_last_response. */
async function lastResponseAfterTurn(handle: WorkflowHandle, turnCount: number): Promise<string | null> {
  await waitUntil(`turn ${turnCount} to finish`, async () => {
    const done = (await handle.query<number>('turnCount')) >= turnCount;
    return done && !(await handle.query<boolean>('is_processing'));
  });
  return handle.query<string | null>('get_last_response');
}

function logLinesWith(text: string): string[] {
  return capturedLogLines.filter((line) => line.includes(text));
}

describe('the reference’s session client', () => {
  it('starts the session with its SessionInput, runs a turn per send_message and answers its queries', async () => {
    await stack.withAgentWorker(async () => {
      const handle = await startSession(example.input, `${example.workflow_id}-${randomUUID().slice(0, 8)}`);
      try {
        expect(await handle.query('get_last_response')).toBeNull();
        expect(await handle.query('is_processing')).toBe(false);

        await handle.signal('send_message', ...example.send_message[0]!);
        // Queued counts as processing: a client polling right after its signal never reads "idle" too early.
        expect(await handle.query('is_processing')).toBe(true);
        expect(await lastResponseAfterTurn(handle, 1)).toMatch(/Noted/);

        await handle.signal('send_message', ...example.send_message[1]!);
        // The reference example's own assertion.
        expect((await lastResponseAfterTurn(handle, 2))?.toLowerCase()).toContain('blue');

        const status = await handle.query<SessionStatus>('status');
        expect(status).toMatchObject({ turnCount: 2, unknownMessages: 0 });
      } finally {
        await handle.terminate('test done');
      }
    });
  });

  it('takes send_message with media and plugin_context as positional arguments', async () => {
    await stack.withAgentWorker(async () => {
      const handle = await startSession({ session_id: `positional-${randomUUID()}`, channel: 'cli', chat_id: 'direct' }, `session-positional-${randomUUID()}`);
      try {
        await handle.signal('send_message', 'my name is Ada', null, ['The user signed in from the web app.']);
        expect(await lastResponseAfterTurn(handle, 1)).toMatch(/Nice to meet you, Ada/);
        // The system prompt got the plugin context, as in the reference.
        const system = JSON.stringify(stack.llm.chatRequests().at(-1)!.body);
        expect(system).toContain('The user signed in from the web app.');
      } finally {
        await handle.terminate('test done');
      }
    });
  });
});

describe('signals and updates nobody here knows', () => {
  it('a session logs an unknown signal by name, counts it in a query, and keeps the count across continue-as-new', async () => {
    const secret = `do-not-log-${randomUUID()}`;
    await stack.withAgentWorker(async () => {
      const handle = await startSession({ sessionId: `unknown-${randomUUID()}`, maxTurnsBeforeContinueAsNew: 1 }, `session-unknown-${randomUUID()}`);
      try {
        await handle.signal('sendMesage', { text: secret });
        const counts = await waitUntil('the unknown signal to be counted', async () => {
          const seen = await handle.query<UnknownMessageCounts>('unknownMessages');
          return seen.total === 1 ? seen : undefined;
        });
        expect(counts.byName).toEqual([{ kind: 'signal', name: 'sendMesage', count: 1 }]);
        expect((await handle.query<SessionStatus>('status')).unknownMessages).toBe(1);
        const lines = await waitUntil('the warning in the worker log', () => {
          const found = logLinesWith('unknown signal ignored');
          return found.length > 0 ? found : undefined;
        });
        expect(lines.join('\n')).toContain('sendMesage');
        expect(lines.join('\n')).toContain('send_message');

        // An update of an unknown name is refused (not held), naming the updates there are.
        const update = handle.executeUpdate('chatt', { args: [{ text: secret }] });
        const error = await update.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
        const cause = (error as WorkflowUpdateFailedError).cause;
        expect(cause).toBeInstanceOf(ApplicationFailure);
        expect((cause as ApplicationFailure).message).toContain('AgentSessionWorkflow has no update "chatt". Its updates: chat, decideApproval;');
        expect((await handle.query<UnknownMessageCounts>('unknownMessages')).total).toBe(2);

        // One turn, then the run continues as new: the counts go with it.
        await handle.signal('sendMessage', { text: 'hello' });
        await waitUntil('the next run', async () => (await handle.query<SessionStatus>('status')).run === 2);
        expect(await handle.query<UnknownMessageCounts>('unknownMessages')).toEqual({
          total: 2,
          byName: [
            { kind: 'signal', name: 'sendMesage', count: 1 },
            { kind: 'update', name: 'chatt', count: 1 },
          ],
        });
      } finally {
        await handle.terminate('test done');
      }
    });
    // Names are logged, arguments never.
    expect(capturedLogLines.join('\n')).not.toContain(secret);
  });

  it('a turn logs and counts a signal sent to it, and still finishes', async () => {
    await stack.withAgentWorker(async () => {
      const handle = await stack.startRawTurn({ sessionId: `turn-signal-${randomUUID()}`, message: "run the command 'sleep 2 && echo ok'" });
      await waitUntil('the turn to be running its tool', async () => {
        const status = await handle.query<{ phase: string }>('status');
        return status.phase === 'tools';
      });
      await handle.signal('send_message', 'are you there?');
      const counts = await waitUntil('the signal to be counted', async () => {
        const seen = await handle.query<UnknownMessageCounts>('unknownMessages');
        return seen.total === 1 ? seen : undefined;
      });
      expect(counts.byName).toEqual([{ kind: 'signal', name: 'send_message', count: 1 }]);
      const result = (await handle.result()) as TurnWorkflowResult;
      expect(result.finalContent).toContain('ok');
      const lines = logLinesWith('unknown signal ignored').filter((line) => line.includes(handle.workflowId));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('"signal":"send_message"');
      expect(lines[0]).not.toContain('are you there?');
    });
  });
});
