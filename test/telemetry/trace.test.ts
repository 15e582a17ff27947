// One trace from the client's workflow start to the provider's HTTP call and the tool run:
// a real worker (createAgentWorker, the test bundle with the OTel workflow interceptors) on the
// shared dev server, the real client (connectClient), the scripted model over HTTP, and an
// in-memory span exporter in this process.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { replayTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { createAgentWorker, type AgentWorker } from '../../src/temporal/agent-worker.js';
import { connectClient, ExoclawClient } from '../../src/temporal/client.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';
import { waitUntil } from '../support/wait.js';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let stack: DurableStack;
let agent: AgentWorker;
let exoclaw: ExoclawClient;
let running: Promise<void>;

beforeAll(async () => {
  tracing = await startTracing({ spanProcessor: new SimpleSpanProcessor(exporter) });
  stack = await startDurableStack();
  agent = await createAgentWorker({
    connection: connection(),
    taskQueue: stack.taskQueue,
    deps: stack.deps,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '2s',
  });
  running = agent.worker.run();
  exoclaw = new ExoclawClient(await connectClient(connection()), stack.taskQueue);
}, 60_000);

afterAll(async () => {
  await exoclaw?.close();
  if (agent) {
    agent.worker.shutdown();
    await running;
    await agent.connection.close();
  }
  await stack?.close();
  await tracing?.shutdown();
});

type History = temporal.api.history.v1.IHistory;
const connection = () => ({ address: inject('temporalAddress'), namespace: inject('temporalNamespace') });
const byName = (spans: ReadableSpan[], name: string): ReadableSpan[] => spans.filter((s) => s.name === name);
const one = (spans: ReadableSpan[], name: string): ReadableSpan => {
  const found = byName(spans, name);
  expect(found.map((s) => s.name), `exactly one ${name} span among ${spans.map((s) => s.name).join(', ')}`).toEqual([name]);
  return found[0]!;
};

describe('traces', () => {
  it('one trace spans the client start, the workflow, every activity, the provider call and the tool run', async () => {
    const secret = 'durable hello from the trace test';
    const outcome = await exoclaw.runTurn({ sessionId: 'traced', message: `Create a file named notes/t.txt containing '${secret}'` });
    expect(outcome.toolsUsed).toEqual(['write_file']);

    // Workflow spans reach the exporter through a sink, after the workflow task that ends the span.
    const spans = await waitUntil('the workflow span to be exported', () => {
      const finished = exporter.getFinishedSpans();
      return finished.some((s) => s.name === 'RunWorkflow:AgentTurnWorkflow') && finished;
    });

    const traceIds = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traceIds.size, spans.map((s) => `${s.name} ${s.spanContext().traceId}`).join('\n')).toBe(1);

    const start = one(spans, 'StartWorkflow:AgentTurnWorkflow');
    const run = one(spans, 'RunWorkflow:AgentTurnWorkflow');
    expect(run.parentSpanId).toBe(start.spanContext().spanId);
    expect(start.parentSpanId).toBeUndefined(); // the client's span is the root

    // Every activity: scheduled by the workflow span, run on the worker as a child of that.
    const activityTypes = ['buildPrompt', 'llmChat', 'executeTool', 'recordTurn'];
    for (const type of activityTypes) {
      const scheduled = byName(spans, `StartActivity:${type}`);
      const ran = byName(spans, `RunActivity:${type}`);
      expect(scheduled.length, `StartActivity:${type}`).toBeGreaterThan(0);
      expect(ran.length, `RunActivity:${type}`).toBe(scheduled.length);
      for (const s of scheduled) expect(s.parentSpanId).toBe(run.spanContext().spanId);
      const scheduledIds = new Set(scheduled.map((s) => s.spanContext().spanId));
      for (const r of ran) expect(scheduledIds).toContain(r.parentSpanId);
    }
    expect(byName(spans, 'RunActivity:llmChat')).toHaveLength(2);

    // The provider's HTTP call, inside each llmChat activity, with token counts and no prompt text.
    const llmRuns = new Set(byName(spans, 'RunActivity:llmChat').map((s) => s.spanContext().spanId));
    const chats = byName(spans, 'chat scripted-llm');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(llmRuns).toContain(chat.parentSpanId);
      expect(chat.attributes['gen_ai.system']).toBe('scripted');
      expect(chat.attributes['gen_ai.request.model']).toBe('scripted-llm');
      expect(Number(chat.attributes['gen_ai.usage.input_tokens'])).toBeGreaterThan(0);
      expect(chat.attributes['server.address']).toBe(new URL(stack.llm.url).host);
    }

    // The tool run, inside the executeTool activity.
    const tool = one(spans, 'execute_tool write_file');
    expect(byName(spans, 'RunActivity:executeTool').map((s) => s.spanContext().spanId)).toContain(tool.parentSpanId);
    expect(tool.attributes['gen_ai.tool.name']).toBe('write_file');

    // Spans carry names, ids and counts: never the conversation.
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(everything).not.toContain(secret);

    // The trace context travels to the activities in the history's headers.
    const history = await exoclaw.client.workflow.getHandle(outcome.workflowId).fetchHistory();
    // The two model calls the server schedules; buildPrompt, write_file (bounded) and recordTurn run
    // as local activities in the worker, which passes the context on in-process (their spans' parents above).
    expect(traceHeaders(history)).toBe(2);
    // A traced history replays against the same bundle (the OTel interceptors are deterministic).
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, ...replayTelemetryOptions() }, history, outcome.workflowId);
  }, 90_000);

  it('a workflow started without a trace context runs without workflow spans and keeps no trace header in history', async () => {
    exporter.reset();
    const untraced = new ExoclawClient(await connectClient(connection(), { tracing: null }), stack.taskQueue);
    try {
      const outcome = await untraced.runTurn({ sessionId: 'untraced', message: 'hello' });
      expect(traceHeaders(await untraced.client.workflow.getHandle(outcome.workflowId).fetchHistory())).toBe(0);
      // This worker traces: its activities still make spans, each the root of a trace of its own.
      const spans = await waitUntil('the activity spans of the untraced turn', () => {
        const finished = exporter.getFinishedSpans();
        return finished.filter((s) => s.name === 'RunActivity:recordTurn').length === 1 && finished;
      });
      expect(spans.filter((s) => /Workflow/.test(s.name)).map((s) => s.name)).toEqual([]);
      const runs = spans.filter((s) => s.name.startsWith('RunActivity:'));
      expect(runs.map((s) => s.name).sort()).toEqual(['RunActivity:buildPrompt', 'RunActivity:llmChat', 'RunActivity:recordTurn']);
      for (const run of runs) expect(run.parentSpanId).toBeUndefined();
      const chat = one(spans, 'chat scripted-llm');
      expect(chat.parentSpanId).toBe(one(spans, 'RunActivity:llmChat').spanContext().spanId);
    } finally {
      await untraced.close();
    }
  }, 90_000);
});

describe('session traces', () => {
  it('the first message of a session is one trace: the client update-with-start, the session workflow, its turn and the provider call', async () => {
    exporter.reset();
    const sessions = new SessionClient(exoclaw.client, stack.taskQueue);
    try {
      const reply = await sessions.send('traced-session', 'hello session');
      expect(reply.status).toBe('completed');
      const spans = await waitUntil('the session turn spans', () => {
        const finished = exporter.getFinishedSpans();
        return finished.some((s) => s.name === 'RunActivity:recordTurn') && finished.some((s) => s.name === 'HandleUpdate:chat') && finished;
      });
      const start = spans.find((s) => s.name.startsWith('UpdateWithStartWorkflow:'));
      expect(start, spans.map((s) => s.name).join(', ')).toBeDefined();
      const traceId = start!.spanContext().traceId;
      // RunWorkflow:AgentSessionWorkflow ends when the session's run does; its children are here.
      for (const name of ['HandleUpdate:chat', 'StartActivity:llmChat', 'RunActivity:buildPrompt', 'RunActivity:llmChat', 'chat scripted-llm', 'RunActivity:recordTurn']) {
        const span = spans.find((s) => s.name === name);
        expect(span?.spanContext().traceId, name).toBe(traceId);
      }
    } finally {
      await sessions.handle('traced-session').terminate('test over').catch(() => undefined);
    }
  }, 90_000);
});

/** How many scheduled activities of a history carry the OTel trace header. */
function traceHeaders(history: History): number {
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.header?.fields?.['_tracer-data']).length;
}
