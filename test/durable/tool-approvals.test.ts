// Hooks, the tool policy and approvals in durable turns, against the dev server with the real
// activities: a hook's deny reaches the model, an `ask` waits for a decision by update (turn and
// session workflows), "allow for this session" covers the same tool and matcher only, the timeout
// denies, /stop ends the wait. Decisions land in the session log.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolPolicy, type PendingApproval } from '../../src/contract/index.js';
import { ApprovalsClient, ApprovalError } from '../../src/temporal/approvals-client.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { sessionLog, type LoggedMessage } from '../sessions/session-stack.js';
import { waitUntil, within } from '../support/wait.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';

let stack: DurableStack;
let approvals: ApprovalsClient;

beforeAll(async () => {
  stack = await startDurableStack();
  approvals = new ApprovalsClient(stack.client, stack.taskQueue);
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  stack.deps.hooks = undefined;
  stack.deps.toolPolicy = undefined;
});

const policy = (input: unknown): ToolPolicy => ToolPolicy.parse(input);
const unique = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;
const toolMessages = async (sessionId: string): Promise<(LoggedMessage & { decision?: Record<string, unknown> })[]> =>
  (await sessionLog(stack, sessionId)).filter((m) => m.role === 'tool');

async function waitForApprovals(sessionId: string, count = 1): Promise<PendingApproval[]> {
  return waitUntil(
    `${count} approval(s) pending for ${sessionId}`,
    async () => {
      const { approvals: found } = await approvals.list({ sessionId });
      return found.length === count ? found : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

describe('hooks and tool policy in durable turns', () => {
  it("a beforeTool hook's deny reaches the model and the session log; a rewrite runs other arguments", async () => {
    const sessionId = unique('hook');
    const seen: string[] = [];
    stack.deps.hooks = {
      beforeTool: ({ name, args }) => {
        seen.push(`${name}:${String(args.command)}`);
        if (String(args.command).startsWith('rm ')) return { action: 'deny', reason: 'Deleting files is not allowed here.' };
        if (args.command === 'echo raw') return { action: 'rewrite', args: { command: 'echo cooked' } };
        return undefined;
      },
    };
    await stack.withAgentWorker(async () => {
      const denied = await stack.exoclaw.runTurn({ sessionId, message: "run the command 'rm notes.txt'" });
      expect(denied.finalContent).toContain('Deleting files is not allowed here.');
      const rewritten = await stack.exoclaw.runTurn({ sessionId, message: "run the command 'echo raw'" });
      expect(rewritten.finalContent).toContain('cooked');
    });
    expect(seen).toEqual(['exec:rm notes.txt', 'exec:echo raw']);
    const logged = await toolMessages(sessionId);
    expect(logged[0]!.decision).toMatchObject({ action: 'deny', source: 'hook', reason: 'Deleting files is not allowed here.' });
    expect(logged[1]!.decision).toMatchObject({ action: 'allow', source: 'hook', rewritten: true });
  });

  it('a deny rule answers the model with its reason; an allow-listed command runs without asking', async () => {
    const sessionId = unique('deny');
    stack.deps.toolPolicy = policy({
      rules: [
        { tool: 'exec', command: 'echo *', action: 'allow' },
        { tool: 'exec', action: 'deny', reason: 'Only echo may run here.' },
      ],
    });
    await stack.withAgentWorker(async () => {
      const denied = await stack.exoclaw.runTurn({ sessionId, message: "run the command 'uname -a'" });
      expect(denied.finalContent).toContain('Only echo may run here.');
      const allowed = await stack.exoclaw.runTurn({ sessionId, message: "run the command 'echo fine'" });
      expect(allowed.finalContent).toContain('fine');
    });
    const logged = await toolMessages(sessionId);
    expect(logged.map((m) => m.decision)).toEqual([
      expect.objectContaining({ action: 'deny', source: 'policy', rule: 1 }),
      expect.objectContaining({ action: 'allow', source: 'policy', rule: 0 }),
    ]);
  });

  it('an ask rule parks a turn until approved; the tool runs once and the log names who allowed it', async () => {
    const sessionId = unique('ask');
    stack.deps.toolPolicy = policy({ rules: [{ tool: 'exec', action: 'ask', reason: 'Commands need a person.' }] });
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({ sessionId, message: "run the command 'echo approved-$((6*7))'" });
      const [pending] = await waitForApprovals(sessionId);
      expect(pending).toMatchObject({
        workflowId: handle.workflowId,
        tool: 'exec',
        reason: 'Commands need a person.',
        rule: 0,
        grantScope: 'exec commands starting with `echo`',
      });
      expect(JSON.parse(pending!.args)).toEqual({ command: 'echo approved-$((6*7))' });
      expect(pending!.id.startsWith(`${handle.workflowId}#`)).toBe(true);

      await approvals.decide({ id: pending!.id, decision: 'allow', by: 'alice' });
      const result = await within(handle.result(), 'the approved turn to finish', { timeoutMs: 30_000 });
      expect(result.finalContent).toContain('approved-42');
      // The same id again: nothing waits any more.
      await expect(approvals.decide({ id: pending!.id, decision: 'allow' })).rejects.toThrow(ApprovalError);
    });
    const [logged] = await toolMessages(sessionId);
    expect(logged!.decision).toMatchObject({ action: 'allow', source: 'approval', by: 'alice', rule: 0 });
  });

  it('a person denies with a reason the model reads; nobody answering in time denies too', async () => {
    const sessionId = unique('deny-ask');
    stack.deps.toolPolicy = policy({ rules: [{ tool: 'exec', action: 'ask' }], approvalTimeout: '2s' });
    await stack.withAgentWorker(async () => {
      const handle = await stack.exoclaw.startTurn({ sessionId, message: "run the command 'echo nope'" });
      const [pending] = await waitForApprovals(sessionId);
      await approvals.decide({ id: pending!.id, decision: 'deny', reason: 'not on a Friday', by: 'bob' });
      const denied = await within(handle.result(), 'the denied turn', { timeoutMs: 30_000 });
      expect(denied.finalContent).toContain('A person denied this exec call: not on a Friday');

      const timedOut = await stack.exoclaw.runTurn({ sessionId, message: "run the command 'echo late'" });
      expect(timedOut.finalContent).toContain('No one approved this exec call within 2s');
    });
    const logged = await toolMessages(sessionId);
    expect(logged.map((m) => m.decision)).toEqual([
      expect.objectContaining({ action: 'deny', source: 'approval', by: 'bob', reason: 'not on a Friday' }),
      expect.objectContaining({ action: 'deny', source: 'timeout' }),
    ]);
  });

  it('"allow for this session" skips the next prompt for the same tool and matcher only; parallel calls ask each', async () => {
    const sessionId = unique('grant');
    stack.deps.toolPolicy = policy({ rules: [{ tool: 'exec', action: 'ask' }] });
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    await stack.withAgentWorker(async () => {
      const first = sessions.send(sessionId, "run the command 'echo one'");
      const [pending] = await waitForApprovals(sessionId);
      expect(pending!.workflowId).toBe(sessions.workflowId(sessionId));
      await approvals.decide({ id: pending!.id, decision: 'allow_session', by: 'carol' });
      expect((await first).content).toContain('one');

      // The same program: no prompt.
      expect((await sessions.send(sessionId, "run the command 'echo two'")).content).toContain('two');

      // Other programs, two at once: each call waits for its own answer.
      const parallel = sessions.send(sessionId, "run 'date +%Y' and 'pwd' in parallel");
      const both = await waitForApprovals(sessionId, 2);
      expect(both.map((a) => JSON.parse(a.args).command).sort()).toEqual(['date +%Y', 'pwd']);
      const [date, pwd] = [both.find((a) => a.args.includes('date'))!, both.find((a) => a.args.includes('pwd'))!];
      await approvals.decide({ id: pwd.id, decision: 'deny', reason: 'no' });
      await approvals.decide({ id: date.id, decision: 'allow' });
      const reply = await parallel;
      expect(reply.content).toMatch(/20\d\d/);
      expect(reply.content).toContain('A person denied this exec call: no');
    });
    const logged = await toolMessages(sessionId);
    expect(logged.map((m) => m.decision?.source)).toEqual(['approval', 'grant', 'approval', 'approval']);
  });

  it('/stop while a call waits ends the turn cleanly; the approval is gone and the session answers again', async () => {
    const sessionId = unique('stop');
    stack.deps.toolPolicy = policy({ rules: [{ tool: 'exec', action: 'ask' }] });
    const sessions = new SessionClient(stack.client, stack.taskQueue);
    await stack.withAgentWorker(async () => {
      const waiting = sessions.send(sessionId, "run the command 'echo never'");
      const [pending] = await waitForApprovals(sessionId);
      const stopped = await sessions.stop(sessionId);
      expect(stopped.content).toMatch(/stopped/i);
      expect((await waiting).status).toBe('stopped');
      expect((await approvals.list({ sessionId })).approvals).toEqual([]);
      await expect(approvals.decide({ id: pending!.id, decision: 'allow' })).rejects.toThrow(/no approval .* is waiting/i);
      expect((await sessions.send(sessionId, 'hello again')).status).toBe('completed');
      expect(await stack.deps.leases.holder(sessionId)).toBeUndefined();
    });
    expect((await toolMessages(sessionId)).length).toBe(0);
  });
});
