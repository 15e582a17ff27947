// A tool call waiting for approval survives its worker: the worker process is SIGKILLed while
// the turn waits, a new worker starts, the real CLI approves, and the command runs exactly once.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { safeSessionId } from '../../src/conversation/session-id.js';
import type { ApprovalListing } from '../../src/temporal/approvals-client.js';
import { cliEnv, runCli } from '../cli/cli-process.js';
import { waitUntil } from '../support/wait.js';
import { ensureWorkers, expectRecordedOnce, result, startSharedRig } from './fault-helpers.js';

let rig: DurabilityRig;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'exoclaw-approval-kill-'));
  const config = join(home, 'policy.json');
  writeFileSync(config, JSON.stringify({ tools: { policy: { rules: [{ tool: 'exec', action: 'ask', reason: 'Commands need a person.' }] } } }));
  rig = await startSharedRig({ workerArgs: ['--config', config] });
}, 120_000);

afterAll(async () => {
  await rig?.close();
}, 60_000);

const cli = (args: string[]) =>
  runCli([...args, '--temporal-url', rig.server.address, '--task-queue', rig.taskQueue, '--workspace', rig.workspace], cliEnv(home));

describe('durable approvals across a worker kill', () => {
  it('SIGKILL while a call waits: a new worker and `approvals approve` resume it; the command runs once', async () => {
    await ensureWorkers(rig, ['worker-a']);
    const sessionId = `approval-kill-${Date.now()}`;
    const message = "run the command 'echo ran >> approved.log && echo done-$((40+2))'";
    const handle = await rig.startTurn({ sessionId, message }, `approval-kill-${Date.now()}`);

    const listing = await waitUntil(
      'the CLI to list the waiting call',
      async () => {
        const { code, stdout } = await cli(['approvals', 'list', '--session', sessionId, '--json']);
        if (code !== 0) return undefined;
        const parsed = JSON.parse(stdout) as ApprovalListing;
        return parsed.approvals.length === 1 ? parsed : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const [pending] = listing.approvals;
    expect(pending).toMatchObject({ tool: 'exec', workflowId: handle.workflowId, reason: 'Commands need a person.' });

    const exit = await rig.fleet.kill('worker-a', 'SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await rig.fleet.start('worker-b');

    // The plain listing names the call too (a new worker answers the query).
    const text = await cli(['approvals', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(pending!.id);

    const approved = await cli(['approvals', 'approve', pending!.id, '--by', 'operator']);
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`Approved: exec call ${pending!.id}`);

    const outcome = await result(handle, 60_000);
    expect(outcome.finalContent).toContain('done-42');
    expect(readFileSync(join(rig.workspace, 'approved.log'), 'utf8')).toBe('ran\n');
    expectRecordedOnce(rig.stateDir, sessionId, message);
    const records = readFileSync(join(rig.stateDir, 'sessions', `${safeSessionId(sessionId)}.jsonl`), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { role?: string; decision?: unknown });
    expect(records.find((r) => r.role === 'tool')?.decision).toMatchObject({ action: 'allow', source: 'approval', by: 'operator' });

    // Answering again: nothing waits any more (exit 1, said plainly).
    const again = await cli(['approvals', 'deny', pending!.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no longer waiting|is waiting/);
  }, 180_000);
});
