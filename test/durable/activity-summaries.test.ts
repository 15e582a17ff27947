// What the Web UI's event history shows for a turn: a one-line summary on every activity (from
// the workflow, in the ScheduleActivityTask command's user metadata, or on the marker of a local
// activity) and results whose readable part comes first.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../../src/temporal/history-json.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';

let stack: DurableStack;

beforeAll(async () => {
  stack = await startDurableStack();
});
afterEach(() => stack.llm.reset());
afterAll(async () => {
  await stack?.close();
});

interface ScheduledActivity {
  type: string;
  summary: string | undefined;
  /** The completed result's JSON text, as stored in history. */
  result: string | undefined;
}

function scheduledActivities(history: History): ScheduledActivity[] {
  const byId = new Map<string, ScheduledActivity>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const summary = event.userMetadata?.summary?.data;
      byId.set(String(event.eventId), {
        type: scheduled.activityType?.name ?? '?',
        summary: summary ? (JSON.parse(Buffer.from(summary).toString('utf8')) as string) : undefined,
        result: undefined,
      });
    }
    const completed = event.activityTaskCompletedEventAttributes;
    if (completed) {
      const data = completed.result?.payloads?.[0]?.data;
      byId.get(String(completed.scheduledEventId))!.result = data ? Buffer.from(data).toString('utf8') : undefined;
    }
    const marker = event.markerRecordedEventAttributes;
    const local = marker?.markerName === 'core_local_activity' ? marker.details : undefined;
    if (local) {
      const summary = event.userMetadata?.summary?.data;
      const data = local['data']?.payloads?.[0]?.data;
      const result = local['result']?.payloads?.[0]?.data;
      byId.set(String(event.eventId), {
        type: data ? (JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type: string }).activity_type : '?',
        summary: summary ? (JSON.parse(Buffer.from(summary).toString('utf8')) as string) : undefined,
        result: result ? Buffer.from(result).toString('utf8') : undefined,
      });
    }
  }
  return [...byId.values()];
}

describe('activity summaries and readable results in history', () => {
  it('a tool turn: each activity says what it does, the tool result starts with its preview, recordTurn says what it recorded', async () => {
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'summaries', message: "Run the command 'echo summary check'" });
      expect(outcome.finalContent).toContain('summary check');
      const activities = scheduledActivities(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory());

      expect(activities.map((a) => [a.type, a.summary])).toEqual([
        ['buildPrompt', "buildPrompt: Run the command 'echo summary check'"],
        ['llmChat', expect.stringMatching(/^llmChat step 1: \d+ messages$/)],
        ['executeTool', 'exec: echo summary check'],
        ['llmChat', expect.stringMatching(/^llmChat step 2: \d+ messages, after 1 tool call$/)],
        ['recordTurn', 'recordTurn: 4 messages'],
      ]);
      // Step 2 sends step 1's messages plus the assistant's tool call and its result.
      const [first, second] = activities.filter((a) => a.type === 'llmChat').map((a) => Number(/(\d+) messages/.exec(a.summary!)![1]));
      expect(second).toBe(first! + 2);

      const tool = activities.find((a) => a.type === 'executeTool')!;
      expect(tool.result).toMatch(/^\{"preview":"summary check/);
      expect(JSON.parse(tool.result!)).toMatchObject({ isError: false, message: { ref: expect.stringMatching(/^[0-9a-f]{64}$/), count: 1 } });
      const record = activities.find((a) => a.type === 'recordTurn')!;
      // The readable part first; then the recorded messages (the record step ran locally: no input in history).
      expect(record.result).toMatch(/^\{"recorded":"4 messages","sessionId":"summaries","messages":\[/);
      expect((JSON.parse(record.result!) as { messages: unknown[] }).messages).toHaveLength(4);
    });
  });

  it('a summary quotes only the first line of the message, capped', async () => {
    const message = `${'A long first line '.repeat(10)}\nthe second line stays out of the summary`;
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'summaries-multiline', message });
      const history = await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory();
      const summaries = scheduledActivities(history).map((a) => a.summary ?? '');
      expect(summaries[0]).toBe(`buildPrompt: ${'A long first line '.repeat(4).slice(0, 59)}…`);
      for (const summary of summaries) expect(summary).not.toContain('second line');
    });
  });
});
