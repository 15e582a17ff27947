// The session-only tools on the real dev server: spawn (child workflows that report back) and
// cron (Temporal Schedules that message the session), plus the heartbeat.
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSessionJobs, removeSchedule } from '../../src/schedules/session-schedules.js';
import { waitUntil } from '../support/wait.js';
import { livePidsMatching } from '../durable/processes.js';
import { sessionLog, startSessionStack, userTexts, type SessionStack } from './session-stack.js';

let stack: SessionStack;
const SESSIONS = ['parent', 'stop-subagents', 'sched', 'hb'];

beforeAll(async () => {
  stack = await startSessionStack();
});
afterAll(async () => {
  // Schedules live on the shared server: never leave one firing after the test.
  if (stack) {
    for (const job of await listSessionJobs(stack.client)) {
      if (SESSIONS.includes(job.sessionId)) await removeSchedule(stack.client, job.scheduleId);
    }
  }
  await stack?.close();
});

describe('spawn', () => {
  it("runs a subagent as a child workflow without spawn, and its result reaches the parent's session", async () => {
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      const reply = await sessions.send(
        'parent',
        "spawn a subagent called helper to: run the command 'sleep 1 && echo sub-result-42'",
      );
      expect(reply.toolsUsed).toEqual(['spawn']);
      expect(reply.content).toContain('Subagent "helper" started');

      const running = await sessions.status('parent');
      expect(running?.subagents).toHaveLength(1);
      const child = running!.subagents[0]!;
      expect(child).toMatchObject({ label: 'helper', sessionId: expect.stringMatching(/^parent:sub:/) });

      const report = await waitUntil('the subagent report in the parent log', async () =>
        userTexts(await sessionLog(stack, 'parent')).find((text) => text.startsWith('[Subagent "helper" finished]')),
      { timeoutMs: 20_000 });
      expect(report).toContain('sub-result-42');
      const after = await waitUntil('the report turn', async () => {
        const s = await sessions.status('parent');
        return s?.turnCount === 2 && s.state === 'idle' ? s : undefined;
      });
      expect(after.subagents).toEqual([]);
      expect(after.lastReply?.content).toContain('Subagent helper finished');
      // The report's answer reached the parent's event stream as an asynchronous reply.
      const asyncReply = await waitUntil('the subagent async_reply on the stream', async () =>
        (await stack.deps.events!.store.read('parent')).find((event) => event.type === 'async_reply'),
      );
      expect(asyncReply).toMatchObject({ source: 'subagent', status: 'completed' });
      expect((asyncReply as { content: string }).content).toContain('Subagent helper finished');

      // The child worked in its own session, and was never offered spawn or cron.
      expect(userTexts(await sessionLog(stack, child.sessionId))[0]).toContain('sleep 1 && echo sub-result-42');
      const childRequests = stack.llm.chatRequests().filter((r) => JSON.stringify(r.body).includes('You are a subagent'));
      expect(childRequests.length).toBeGreaterThan(0);
      for (const request of childRequests) {
        const tools = toolNames(request.body);
        expect(tools).toContain('exec');
        expect(tools).not.toContain('spawn');
        expect(tools).not.toContain('cron');
      }
      const parentRequest = stack.llm.chatRequests().find((r) => JSON.stringify(r.body).includes('spawn a subagent called helper'));
      expect(toolNames(parentRequest?.body)).toContain('spawn');
      expect((await stack.client.workflow.getHandle(child.workflowId).describe()).status.name).toBe('COMPLETED');
    });
  });

  it('/stop cancels running subagents and kills their processes', async () => {
    const duration = `600.${randomInt(1000, 9999)}${randomInt(1000, 9999)}`;
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      await sessions.send('stop-subagents', `spawn a subagent called sleeper to: Wait with 'sleep ${duration}'`);
      await waitUntil('the subagent sleep', () => livePidsMatching(`sleep ${duration}`).length > 0, { timeoutMs: 20_000 });
      const child = (await sessions.status('stop-subagents'))!.subagents[0]!;

      expect((await sessions.stop('stop-subagents')).content).toBe('Stopped 1 task.');
      expect((await sessions.status('stop-subagents'))?.subagents).toEqual([]);
      await waitUntil('the child to be cancelled', async () =>
        (await stack.client.workflow.getHandle(child.workflowId).describe()).status.name === 'CANCELLED',
      );
      await waitUntil('the sleep to be killed', () => livePidsMatching(`sleep ${duration}`).length === 0, { timeoutMs: 10_000 });
      // A cancelled subagent reports nothing.
      expect(userTexts(await sessionLog(stack, 'stop-subagents')).some((t) => t.startsWith('[Subagent'))).toBe(false);
    });
  });
});

describe('cron', () => {
  it('an interval job fires into the session log, is listed, and is removed', async () => {
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      const added = await sessions.send('sched', "schedule 'ping-interval' every 2 seconds");
      const jobId = /Added job ([0-9a-f]{8})/.exec(added.content)?.[1];
      expect(jobId, added.content).toBeDefined();

      const listed = await waitUntil('the job in the schedule list', async () =>
        (await sessions.listSchedules('sched')).find((job) => job.jobId === jobId),
      );
      expect(listed).toMatchObject({ kind: 'every', schedule: 'every 2s', message: 'ping-interval' });
      expect(listed.scheduleId).toBe(`cron-session-sched-${jobId}`);

      await waitUntil('a scheduled turn in the log', async () =>
        userTexts(await sessionLog(stack, 'sched')).includes(`[Scheduled job ${jobId}] ping-interval`),
      { timeoutMs: 15_000 });
      // Its answer is published as an asynchronous reply from the cron job's schedule.
      const cronReply = await waitUntil('the cron async_reply on the stream', async () =>
        (await stack.deps.events!.store.read('sched')).find((event) => event.type === 'async_reply'),
      );
      expect(cronReply).toMatchObject({ source: 'cron', sourceId: listed.scheduleId, status: 'completed' });
      const listedByTool = await sessions.send('sched', 'list my jobs');
      expect(listedByTool.content).toContain(`${jobId}: every 2s`);

      const removed = await sessions.send('sched', `remove job ${jobId}`);
      expect(removed.content).toContain(`Removed job ${jobId}`);
      await expect(stack.client.schedule.getHandle(listed.scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    });
  });

  it('a one-shot job fires once, deletes itself, and cannot schedule more jobs', async () => {
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      const at = new Date(Date.now() + 3_000).toISOString();
      const added = await sessions.send('sched', `remind me 'schedule 'nested' every 5 seconds' at ${at}`);
      const jobId = /Added job ([0-9a-f]{8})/.exec(added.content)?.[1];
      expect(jobId, added.content).toBeDefined();

      const scheduled = `[Scheduled job ${jobId}] schedule 'nested' every 5 seconds`;
      await waitUntil('the one-shot turn', async () => userTexts(await sessionLog(stack, 'sched')).includes(scheduled), {
        timeoutMs: 15_000,
      });
      await waitUntil('the reply to the scheduled turn', async () =>
        (await sessions.status('sched'))?.lastReply?.content.includes('a scheduled run cannot add new jobs'),
      );
      await waitUntil('the one-shot schedule to delete itself', async () =>
        stack.client.schedule
          .getHandle(`cron-session-sched-${jobId}`)
          .describe()
          .then(() => false, (error: unknown) => error instanceof ScheduleNotFoundError),
      );
      expect((await sessions.listSchedules('sched')).map((job) => job.message)).not.toContain('nested');
    });
  });

  it('the heartbeat asks the session to act on HEARTBEAT.md', async () => {
    const sessions = stack.sessions();
    await stack.withAgentWorker(async () => {
      await writeFile(join(stack.workspace, 'HEARTBEAT.md'), '# Heartbeat\n- water the plants\n');
      const job = await sessions.setHeartbeat('hb', 2);
      expect(job?.scheduleId).toBe('heartbeat-session-hb');
      await waitUntil('a heartbeat turn', async () => userTexts(await sessionLog(stack, 'hb')).some((t) => t.startsWith('[Heartbeat]')), {
        timeoutMs: 15_000,
      });
      const heartbeatReply = await waitUntil('the heartbeat async_reply on the stream', async () =>
        (await stack.deps.events!.store.read('hb')).find((event) => event.type === 'async_reply'),
      );
      expect(heartbeatReply).toMatchObject({ source: 'heartbeat', sourceId: 'heartbeat-session-hb' });
      expect((await sessions.listSchedules('hb')).map((j) => j.kind)).toEqual(['heartbeat']);
      await sessions.setHeartbeat('hb', null);
      await waitUntil('the heartbeat to be gone', async () => (await sessions.listSchedules('hb')).length === 0);
    });
  });
});

function toolNames(body: unknown): string[] {
  const tools = (body as { tools?: { name?: string; function?: { name?: string } }[] } | undefined)?.tools ?? [];
  return tools.map((tool) => tool.function?.name ?? tool.name ?? '');
}
