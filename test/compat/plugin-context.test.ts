// plugin_context (the reference's per-message context) reaches the system prompt and every tool
// of the turn, from a turn's input and from a session message, and never the worker's log.
import { capturedLogLines, captureLogger } from '../durable/log-capture.js';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LIMITS, type TurnWorkflowResult } from '../../src/contract/index.js';
import { toolOutput } from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import type { History } from '../durable/history.js';
import { applicationFailureOf } from '../durable/workflow-failure.js';
import { waitUntil } from '../support/wait.js';

let stack: DurableStack;
/** What each call of the test tool found in its context. */
const seen: (readonly string[] | undefined)[] = [];

/** A digest, so the tool's answer (and with it the result and history) never holds the context itself. */
function digest(items: readonly string[] | undefined): string {
  return createHash('sha256').update(JSON.stringify(items ?? null)).digest('hex').slice(0, 16);
}

const whoami = defineTool({
  name: 'whoami',
  description: 'Tells who the user is, from the context their message came with',
  args: z.object({}),
  async execute(_args, ctx) {
    seen.push(ctx.pluginContext);
    return toolOutput(`context items: ${ctx.pluginContext?.length ?? 0}, digest ${digest(ctx.pluginContext)}`);
  },
});

beforeAll(async () => {
  stack = await startDurableStack({ logger: captureLogger });
  stack.deps.tools.register(whoami);
});
afterEach(() => {
  stack.llm.reset();
  seen.length = 0;
});
afterAll(async () => {
  await stack?.close();
});

/** The decoded input of every executeTool the workflow scheduled. */
function executeToolInputs(history: History): Record<string, unknown>[] {
  return (history.events ?? [])
    .map((event) => event.activityTaskScheduledEventAttributes)
    .filter((scheduled) => scheduled?.activityType?.name === 'executeTool')
    .map((scheduled) => JSON.parse(Buffer.from(scheduled!.input!.payloads![0]!.data!).toString('utf8')) as Record<string, unknown>);
}

function systemPromptOfLastRequest(): string {
  const body = stack.llm.chatRequests().at(-1)!.body as { messages: { role: string; content: unknown }[] };
  return JSON.stringify(body.messages.filter((message) => message.role === 'system'));
}

describe('plugin_context', () => {
  it('from a reference turn input reaches every tool call of the turn and the system prompt, by reference in history', async () => {
    const context = [`user: ada-${randomUUID()}`, 'plan: pro'];
    await stack.withAgentWorker(async () => {
      const handle = await stack.startRawTurn({
        session_id: `ctx-${randomUUID()}`,
        message: 'use the tools whoami and whoami in parallel',
        channel: 'web',
        chat_id: '7',
        plugin_context: context,
      });
      const result = (await handle.result()) as TurnWorkflowResult;
      expect(result.tools_used).toEqual(['whoami', 'whoami']);
      expect(seen).toEqual([context, context]);
      expect(result.final_content).toContain(`context items: 2, digest ${digest(context)}`);
      expect(systemPromptOfLastRequest()).toContain(context[0]);

      // Each tool call carries a 64-character blob ref, not the text: history does not grow with it per call.
      const inputs = executeToolInputs(await handle.fetchHistory());
      expect(inputs).toHaveLength(2);
      for (const input of inputs) {
        expect(input.pluginContextRef).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(input)).not.toContain(context[0]);
      }
    });
    expect(capturedLogLines.join('\n')).not.toContain(context[0]);
  });

  it('in our own shape (pluginContext) does the same; a turn without it gives tools none', async () => {
    const context = [`tenant: t-${randomUUID()}`];
    await stack.withAgentWorker(async () => {
      await stack.exoclaw.runTurn({ sessionId: `ctx-native-${randomUUID()}`, message: 'use the tools whoami and whoami in parallel', pluginContext: context });
      expect(seen).toEqual([context, context]);
      seen.length = 0;
      const plain = await stack.exoclaw.runTurn({ sessionId: `ctx-none-${randomUUID()}`, message: 'use the tools whoami and whoami in parallel' });
      expect(seen).toEqual([undefined, undefined]);
      expect(plain.finalContent).toContain('context items: 0');
    });
    expect(capturedLogLines.join('\n')).not.toContain(context[0]);
  });

  it('sent with a session message (send_message or sendMessage) reaches that message’s tools only', async () => {
    const first = [`user: bob-${randomUUID()}`];
    const second = [`user: eve-${randomUUID()}`];
    await stack.withAgentWorker(async () => {
      const handle = await stack.client.workflow.start('AgentSessionWorkflow', {
        taskQueue: stack.taskQueue,
        workflowId: `session-ctx-${randomUUID()}`,
        args: [{ session_id: `ctx-session-${randomUUID()}`, channel: 'web', chat_id: '9' }],
      });
      try {
        await handle.signal('send_message', 'use the tools whoami and whoami in parallel', null, first);
        await handle.signal('sendMessage', { text: 'use the tools whoami and whoami in parallel', pluginContext: second });
        await handle.signal('sendMessage', { text: 'use the tools whoami and whoami in parallel' });
        await waitUntil('three turns', async () => (await handle.query<number>('turnCount')) === 3);
        expect(seen).toEqual([first, first, second, second, undefined, undefined]);
      } finally {
        await handle.terminate('test done');
      }
    });
    const log = capturedLogLines.join('\n');
    expect(log).not.toContain(first[0]);
    expect(log).not.toContain(second[0]);
  });

  it('is blanked by the worker’s logger wherever a field of that name is logged', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const canary = `ctx-${randomUUID()}`;
    log.info({ pluginContext: [canary], turn: { plugin_context: [canary] }, req: { input: { pluginContext: [canary] } } }, 'a tool logged its input');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(canary);
    expect(lines[0]).toContain('[REDACTED]');
  });

  it('is refused past its limit, saying how to send more', async () => {
    await stack.withAgentWorker(async () => {
      const failure = await applicationFailureOf(
        await stack.startRawTurn({ session_id: 'big-ctx', message: 'hi', plugin_context: ['x'.repeat(LIMITS.pluginContextChars + 1)] }),
      );
      expect(failure.type).toBe('InvalidInput');
      expect(failure.message).toContain(
        `plugin_context: must be at most ${LIMITS.pluginContextChars} characters in all; put larger context in a workspace file and name it`,
      );
    });
  });
});
