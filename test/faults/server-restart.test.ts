// The Temporal server itself goes away mid-turn and comes back on the same port with the same
// SQLite file: the worker process reconnects on its own and the turn completes exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject, afterAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import { startDurabilityRig, type DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { connectClient } from '../../src/temporal/client.js';
import { findFreePort, startDevServer, type DevServer } from '../../dev/local-stack/dev-server.js';
import type { TurnWorkflowResult } from '../../src/contract/index.js';
import { expectRecordedOnce, isolatedWorkerEnv, running, waitForActivity } from './fault-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'exoclaw-restart-'));
const dbFile = join(dir, 'temporal.sqlite');
let server: DevServer | undefined;
let rig: DurabilityRig | undefined;

afterAll(async () => {
  await rig?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('fault suite: Temporal server restart', () => {
  it('a turn survives its Temporal server being stopped and restarted (same port, same SQLite file)', async () => {
    const port = await findFreePort();
    server = await startDevServer({ port, dbFile });
    rig = await startDurabilityRig({
      temporalAddress: server.address, // this test owns the server: the rig must not stop it
      workflowBundlePath: inject('workflowBundlePath'),
      workerEnv: isolatedWorkerEnv(),
    });
    await rig.fleet.start('solo');

    const sessionId = `fault-restart-${Date.now()}`;
    const message = "Run the command 'sleep 5 && echo task complete'";
    const handle = await rig.startTurn({ sessionId, message }, sessionId);
    const tracker = new ActivityTracker(handle);
    await waitForActivity(tracker, 'executeTool to start', () => running(tracker, 'executeTool'), 30_000);

    await server.stop(); // the command keeps running on the worker meanwhile
    await sleep(2000);
    server = await startDevServer({ port, dbFile });
    expect(rig.fleet.get('solo')?.alive(), 'the worker outlived the outage').toBe(true);

    // A fresh client: the old one's connection went down with the server.
    const client = await connectClient({ address: server.address, namespace: 'default' });
    try {
      const outcome = (await client.workflow.getHandle(sessionId).result()) as TurnWorkflowResult;
      expect(outcome.finalContent).toMatch(/(^|: )task complete$/m);
      const description = await client.workflow.getHandle(sessionId).describe();
      expect(description.status.name).toBe('COMPLETED');
      expectRecordedOnce(rig.stateDir, sessionId, message);
    } finally {
      await client.connection.close();
    }
  }, 120_000);
});
