// A real `exoclaw-temporal worker --health-port 0` process and real `turn` processes against the
// shared dev server, with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver in this
// test: /metrics on the health port shows the agent's and Temporal's series after real turns,
// and the spans of both processes arrive by OTLP as one trace per turn.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { AGENT_METRICS } from '../../src/telemetry/agent-metrics.js';
import { NODE_PROCESS_SERIES, TEMPORAL_WORKER_SERIES } from '../../src/telemetry/metric-series.js';
import { cliEnv, runCli, spawnCli, stopCli, type CliProcess } from '../cli/cli-process.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { waitUntil } from '../support/wait.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { declaredMetrics, parsePrometheusText, sampleValue } from './prometheus-text.js';

let llm: ScriptedLlmServer;
let otlp: OtlpReceiver;
let home: string;
let worker: CliProcess | undefined;
let healthUrl: string;
let connectionArgs: string[];
const taskQueue = uniqueTaskQueue('telemetry');

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  otlp = await startOtlpReceiver();
  home = await mkdtemp(join(tmpdir(), 'exoclaw-telemetry-'));
  const env = await getTestEnv();
  connectionArgs = ['--temporal-url', env.address, '--namespace', env.namespace, '--task-queue', taskQueue];
  worker = spawnCli(
    ['worker', '--health-port', '0', '--workspace', join(home, 'workspace'), '--model', 'scripted/scripted-llm', ...connectionArgs],
    cliEnv(home, {
      EXOCLAW_SCRIPTED_LLM_URL: llm.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SERVICE_NAME: 'exoclaw-worker',
      OTEL_BSP_SCHEDULE_DELAY: '100', // export within 0.1 s instead of 5 s
    }),
  );
  const ready = await worker.waitForLine(/^Worker ready/, 90_000);
  healthUrl = /health checks on (http:\/\/[\d.]+:\d+)/.exec(ready)?.[1] ?? '';
  expect(healthUrl, ready).not.toBe('');
}, 120_000);

afterAll(async () => {
  if (worker) {
    const stopped = await stopCli(worker, 'SIGTERM');
    expect(stopped.code, worker.stderr()).toBe(0);
  }
  await otlp?.close();
  await llm?.close();
  await rm(home, { recursive: true, force: true });
});

async function turn(session: string, message: string, extra: string[] = []) {
  return runCli(
    ['turn', '--session', session, message, '--json', ...extra, ...connectionArgs],
    cliEnv(home, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'exoclaw-cli' }),
  );
}

async function metrics(): Promise<{ text: string; contentType: string }> {
  const response = await fetch(`${healthUrl}/metrics`);
  expect(response.status).toBe(200);
  return { text: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

describe('a worker process with a health port and an OTLP endpoint', () => {
  it('declares every agent series in /metrics before any turn', async () => {
    const { text, contentType } = await metrics();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const declared = declaredMetrics(text);
    for (const metric of AGENT_METRICS) expect(declared.get(metric.name), metric.name).toBe(metric.type);
    expect(sampleValue(parsePrometheusText(text), 'exoclaw_sessions_active')).toBe(0);
  });

  it('counts turns, model calls, tokens, tool runs and errors after real turns; Temporal series are there too', async () => {
    const ok = await turn('metrics-s1', "Create a file named notes/m.txt containing 'metrics'");
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { toolsUsed: string[] }).toolsUsed).toEqual(['write_file']);
    // A model of a provider the worker has not configured: llmChat fails at once, the turn fails.
    const failed = await turn('metrics-s2', 'hello', ['--model', 'anthropic/claude-none']);
    expect(failed.code, failed.stdout).not.toBe(0);

    // The turn counter comes from a workflow sink, processed just after the final workflow task.
    const { text } = await waitUntil('both turns counted in /metrics', async () => {
      const m = await metrics();
      const s = parsePrometheusText(m.text);
      return sampleValue(s, 'exoclaw_turns_total', { stop_reason: 'failed' }) === 1 && m;
    });
    const samples = parsePrometheusText(text);
    const model = { provider: 'scripted', model: 'scripted-llm' };
    expect(sampleValue(samples, 'exoclaw_turns_total', { workflow: 'AgentTurnWorkflow', stop_reason: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'exoclaw_turns_total', { workflow: 'AgentTurnWorkflow', stop_reason: 'failed' })).toBe(1);
    expect(sampleValue(samples, 'exoclaw_model_calls_total', { ...model, outcome: 'ok' })).toBe(2);
    expect(sampleValue(samples, 'exoclaw_model_tokens_total', { ...model, type: 'input' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'exoclaw_model_tokens_total', { ...model, type: 'output' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'exoclaw_model_call_duration_seconds_count', model)).toBe(2);
    expect(sampleValue(samples, 'exoclaw_tool_calls_total', { tool: 'write_file', outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'exoclaw_tool_duration_seconds_count', { tool: 'write_file' })).toBe(1);
    expect(sampleValue(samples, 'exoclaw_activity_errors_total', { activity: 'llmChat', failure_type: 'ModelRoutingError' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'exoclaw_sessions_active')).toBe(0);

    // Temporal's own worker series, proxied from the SDK core's exporter into the same endpoint.
    const names = new Set(samples.map((s) => s.name));
    for (const series of TEMPORAL_WORKER_SERIES) expect(names, series).toContain(series);
    for (const series of NODE_PROCESS_SERIES) expect(names, series).toContain(series);
    expect(sampleValue(samples, 'temporal_workflow_completed_total', { workflow_type: 'AgentTurnWorkflow', task_queue: taskQueue })).toBe(1);

    // Bounded labels: no session, turn or workflow ids anywhere in the exposition.
    expect(text).not.toMatch(/metrics-s1|metrics-s2|turn-metrics/);
  }, 120_000);

  it('exports one trace per turn by OTLP, from the client process through the worker to the provider call', async () => {
    const done = await turn('traces-s1', "Create a file named notes/tr.txt containing 'traced'");
    expect(done.code, done.stderr).toBe(0);
    const { workflowId } = JSON.parse(done.stdout) as { workflowId: string };

    const trace = await waitUntil(
      'the turn\'s client, workflow, activity, provider and tool spans by OTLP',
      () => {
        const start = otlp.spans.find((s) => s.name === 'StartWorkflow:AgentTurnWorkflow' && s.attributes['temporalWorkflowId'] === workflowId);
        if (!start) return false;
        const spans = otlp.spans.filter((s) => s.traceId === start.traceId);
        const names = new Set(spans.map((s) => s.name));
        const wanted = ['RunWorkflow:AgentTurnWorkflow', 'RunActivity:buildPrompt', 'RunActivity:llmChat', 'RunActivity:executeTool', 'RunActivity:recordTurn', 'chat scripted-llm', 'execute_tool write_file'];
        return wanted.every((name) => names.has(name)) && spans;
      },
      { timeoutMs: 30_000, detail: () => `received: ${otlp.spans.map((s) => `${s.service}:${s.name}`).join(', ')}; rejected: ${otlp.rejected.join('; ')}` },
    );
    const services = new Map(trace.map((s) => [s.name, s.service]));
    expect(services.get('StartWorkflow:AgentTurnWorkflow')).toBe('exoclaw-cli');
    expect(services.get('RunWorkflow:AgentTurnWorkflow')).toBe('exoclaw-worker');
    expect(services.get('chat scripted-llm')).toBe('exoclaw-worker');
    const chat = trace.find((s) => s.name === 'chat scripted-llm')!;
    const llmRuns = trace.filter((s) => s.name === 'RunActivity:llmChat').map((s) => s.spanId);
    expect(llmRuns).toContain(chat.parentSpanId);
    expect(otlp.rejected).toEqual([]);
  }, 90_000);
});
