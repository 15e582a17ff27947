// Turn and session token budgets in durable turns, on the real dev server with the scripted LLM
// over HTTP: a spent budget ends the turn with a message for the user, and the model call that
// would have gone over it is never made.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeSessionId } from '../../src/conversation/session-id.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';

// A model that never stops calling tools: only a budget (or maxToolIterations) ends its turn.
const loopScript = {
  rules: [{ when: { lastUserMatches: '^keep listing' }, reply: { toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] } }],
  useDefaults: true,
};
let stack: DurableStack;
let sessionStack: DurableStack;
let tokenStack: DurableStack;
const requestsFor = (on: DurableStack, text: string): number =>
  on.llm.chatRequests().filter((request) => JSON.stringify(request.body).includes(text)).length;

beforeAll(async () => {
  stack = await startDurableStack({
    overrides: {
      agents: {
        defaults: {
          maxToolIterations: 20,
          // Two model calls: the third call of a tool loop would go over.
          turnBudget: { enabled: true, iterationBudget: 2 },
        },
      },
    },
  });
  stack.llm.setScript(loopScript);
  // Spent by the turn's first model call.
  tokenStack = await startDurableStack({ overrides: { agents: { defaults: { turnBudget: { enabled: true, tokenBudget: 1 } } } } });
  tokenStack.llm.setScript(loopScript);
  // Spent by any one model call.
  sessionStack = await startDurableStack({ overrides: { agents: { defaults: { sessionBudget: { enabled: true, tokenBudget: 1 } } } } });
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await sessionStack?.close();
  await tokenStack?.close();
});

describe('token budgets in durable turns', () => {
  it('the turn budget stops a tool loop at the limit, with a message the user reads', async () => {
    await stack.withAgentWorker(async () => {
      const message = 'keep listing the workspace';
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'budget-turn', message });
      expect(outcome.finalContent).toBe(
        'I stopped before finishing: this turn reached its budget of 2 model calls. Send another message to continue from here.',
      );
      expect(requestsFor(stack, message)).toBe(2); // the third call was never made
      expect(outcome.toolsUsed).toEqual(['list_dir', 'list_dir']);
      expect(outcome.iterations).toBe(3);
      // The message is recorded as the turn's answer.
      const log = await readFile(await stack.sessionFile('budget-turn'), 'utf8');
      expect(log).toContain('reached its budget of 2 model calls');
    });
  });

  it('the turn token budget: once the turn has used it, the next model call is not made', async () => {
    await tokenStack.withAgentWorker(async () => {
      const message = 'keep listing, token budget';
      const outcome = await tokenStack.exoclaw.runTurn({ sessionId: 'budget-tokens', message });
      const used = (outcome.usage.inputTokens + outcome.usage.outputTokens).toLocaleString('en-US');
      expect(outcome.finalContent).toBe(
        `I stopped before finishing: this turn used its budget of 1 tokens (${used} used). Send another message to continue from here.`,
      );
      expect(requestsFor(tokenStack, message)).toBe(1);
      expect(outcome.toolsUsed).toEqual(['list_dir']);
    });
  });

  it('the session budget ends the next turn of a spent session, without a model call; other sessions go on', async () => {
    await sessionStack.withAgentWorker(async () => {
      const first = await sessionStack.exoclaw.runTurn({ sessionId: 'budget-session', message: 'hello once' });
      expect(first.finalContent).toMatch(/^\[scripted-llm\] You said: [\s\S]*hello once$/);

      const second = await sessionStack.exoclaw.runTurn({ sessionId: 'budget-session', message: 'hello twice' });
      expect(second.finalContent).toMatch(
        /^This conversation has used its budget of 1 tokens \(\d[\d,]* used\), so I cannot continue it\. Start a new session/,
      );
      expect(requestsFor(sessionStack, 'hello twice')).toBe(0);

      const other = await sessionStack.exoclaw.runTurn({ sessionId: 'budget-other', message: 'hello elsewhere' });
      expect(other.finalContent).toMatch(/hello elsewhere$/);
      // The counter is in the state root, apart from the agent's workspace.
      const counter = JSON.parse(await readFile(join(sessionStack.stateDir, 'budgets', 'sessions', `${safeSessionId('budget-session')}.json`), 'utf8')) as { tokens: number };
      expect(counter.tokens).toBe(first.usage.inputTokens + first.usage.outputTokens);
    });
  });
});
