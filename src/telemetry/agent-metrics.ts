// The agent's own Prometheus series (prom-client), one registry per process. Labels are kept
// few on purpose: no session, turn or workflow ids; model and tool names are capped by
// BoundedLabel. `AGENT_METRICS` is the list the docs, the Grafana dashboard and its static test
// are checked against.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedLabel } from './bounded-label.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
}

/** Every series this module exports, with its labels. */
export const AGENT_METRICS = [
  {
    name: 'exoclaw_turns_total',
    type: 'counter',
    help: 'Turns finished on this worker, by workflow type and stop reason (completed, max_iterations, llm_error, failed, cancelled).',
    labels: ['workflow', 'stop_reason'],
  },
  {
    name: 'exoclaw_model_calls_total',
    type: 'counter',
    help: 'Model calls by provider, model and outcome (ok, or the error kind: rate_limited, server_error, timeout, connection, ...).',
    labels: ['provider', 'model', 'outcome'],
  },
  {
    name: 'exoclaw_model_tokens_total',
    type: 'counter',
    help: 'Tokens reported by the provider, by provider, model and type (input, output).',
    labels: ['provider', 'model', 'type'],
  },
  {
    name: 'exoclaw_model_call_duration_seconds',
    type: 'histogram',
    help: 'Duration of one model call (the provider HTTP request, streamed to the end), by provider and model.',
    labels: ['provider', 'model'],
  },
  {
    name: 'exoclaw_tool_calls_total',
    type: 'counter',
    help: 'Tool runs by tool and outcome (ok, error: the tool returned an error result).',
    labels: ['tool', 'outcome'],
  },
  {
    name: 'exoclaw_tool_duration_seconds',
    type: 'histogram',
    help: 'Duration of one tool run, by tool.',
    labels: ['tool'],
  },
  {
    name: 'exoclaw_activity_errors_total',
    type: 'counter',
    help: 'Activity attempts that failed, by activity and failure type (the ApplicationFailure type, e.g. RateLimited, SessionBusy, or the error name).',
    labels: ['activity', 'failure_type'],
  },
  {
    name: 'exoclaw_sessions_active',
    type: 'gauge',
    help: 'Sessions with a turn step (prompt, model call, tool run, record) running on this worker now; sum over workers for the cluster.',
    labels: [],
  },
] as const satisfies readonly MetricSpec[];

export type AgentMetricName = (typeof AGENT_METRICS)[number]['name'];

/** The series names Prometheus stores for a metric (a histogram is three). */
export function seriesNames(spec: Pick<MetricSpec, 'name' | 'type'>): string[] {
  return spec.type === 'histogram' ? [`${spec.name}_bucket`, `${spec.name}_sum`, `${spec.name}_count`] : [spec.name];
}

const MODEL_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const TOOL_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

function spec(name: AgentMetricName): MetricSpec {
  return AGENT_METRICS.find((m) => m.name === name) as MetricSpec;
}

function counter(registry: Registry, name: AgentMetricName): Counter {
  const { help, labels } = spec(name);
  return new Counter({ name, help, labelNames: [...labels], registers: [registry] });
}

function histogram(registry: Registry, name: AgentMetricName, buckets: number[]): Histogram {
  const { help, labels } = spec(name);
  return new Histogram({ name, help, labelNames: [...labels], buckets, registers: [registry] });
}

/** What the provider, tool and activity code records; one instance per process (`agentMetrics`). */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly turns = counter(this.registry, 'exoclaw_turns_total');
  private readonly modelCalls = counter(this.registry, 'exoclaw_model_calls_total');
  private readonly modelTokens = counter(this.registry, 'exoclaw_model_tokens_total');
  private readonly modelSeconds = histogram(this.registry, 'exoclaw_model_call_duration_seconds', MODEL_BUCKETS);
  private readonly toolCalls = counter(this.registry, 'exoclaw_tool_calls_total');
  private readonly toolSeconds = histogram(this.registry, 'exoclaw_tool_duration_seconds', TOOL_BUCKETS);
  private readonly activityErrors = counter(this.registry, 'exoclaw_activity_errors_total');
  private readonly sessions = new Map<string, number>();
  private processMetrics = false;

  // Caps: a handful of configured models and a few dozen tools are normal; hundreds are not.
  private readonly models = new BoundedLabel(50);
  private readonly providers = new BoundedLabel(20);
  private readonly tools = new BoundedLabel(200);
  private readonly failureTypes = new BoundedLabel(50);
  private readonly activities = new BoundedLabel(50);
  private readonly workflows = new BoundedLabel(20);
  private readonly stopReasons = new BoundedLabel(20);

  constructor() {
    const sessions = this.sessions;
    new Gauge({
      name: 'exoclaw_sessions_active',
      help: spec('exoclaw_sessions_active').help,
      registers: [this.registry],
      // Read at scrape time, so the gauge is never stale.
      collect() {
        this.set(sessions.size);
      },
    });
  }

  turnEnded(workflow: string, stopReason: string): void {
    this.turns.inc({ workflow: this.workflows.value(workflow), stop_reason: this.stopReasons.value(stopReason) });
  }

  modelCall(call: {
    provider: string;
    model: string;
    outcome: string;
    seconds: number;
    inputTokens?: number;
    outputTokens?: number;
  }): void {
    const base = { provider: this.providers.value(call.provider), model: this.models.value(call.model) };
    this.modelCalls.inc({ ...base, outcome: call.outcome });
    this.modelSeconds.observe(base, call.seconds);
    if (call.inputTokens) this.modelTokens.inc({ ...base, type: 'input' }, call.inputTokens);
    if (call.outputTokens) this.modelTokens.inc({ ...base, type: 'output' }, call.outputTokens);
  }

  /** `tool` is the registered tool's name, or undefined for a name the registry does not know. */
  toolRun(tool: string | undefined, outcome: 'ok' | 'error', seconds: number): void {
    const label = tool === undefined ? 'unknown' : this.tools.value(tool);
    this.toolCalls.inc({ tool: label, outcome });
    this.toolSeconds.observe({ tool: label }, seconds);
  }

  activityFailed(activity: string, failureType: string): void {
    this.activityErrors.inc({ activity: this.activities.value(activity), failure_type: this.failureTypes.value(failureType) });
  }

  /** Marks a session busy on this worker until the returned function is called. */
  sessionBusy(sessionId: string): () => void {
    this.sessions.set(sessionId, (this.sessions.get(sessionId) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.sessions.get(sessionId) ?? 1) - 1;
      if (left <= 0) this.sessions.delete(sessionId);
      else this.sessions.set(sessionId, left);
    };
  }

  /** Adds Node's process series (CPU, memory, event loop lag, GC); only a process that serves /metrics needs them. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every series. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** This process's agent metrics. */
export const agentMetrics = new AgentMetrics();
