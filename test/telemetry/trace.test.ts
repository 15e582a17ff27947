// One trace from the client's workflow start to the provider's HTTP call and the tool run:
// a real worker (createAgentWorker, the test bundle with the OTel workflow interceptors) on the
// shared dev server, the real client (connectClient), the scripted model over HTTP, and an
// in-memory span exporter in this process.
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/tracing.js';
import { createAgentWorker, type AgentWorker } from '../../src/temporal/agent-worker.js';
import { connectClient, ExoclawClient } from '../../src/temporal/client.js';
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
  const connection = { address: inject('temporalAddress'), namespace: inject('temporalNamespace') };
  agent = await createAgentWorker({
    connection,
    taskQueue: stack.taskQueue,
    deps: stack.deps,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    shutdownGraceTime: '2s',
  });
  running = agent.worker.run();
  exoclaw = new ExoclawClient(await connectClient(connection), stack.taskQueue);
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
  }, 90_000);
});
