// How traces and metrics are wired into Temporal workers and workflow bundles (clients: tracing.ts).
//
// The OpenTelemetry workflow interceptors are part of EVERY agent workflow bundle, whether or
// not this worker exports traces: they run inside the deterministic workflow code, so a worker
// with tracing and one without must run the same code for one history to replay on both. With
// tracing off their spans go to a sink that drops them (a few object allocations per workflow
// activation); the activity and client interceptors, which may differ per process, are only
// added when tracing is on.
import { createRequire } from 'node:module';
import type { ActivityInterceptorsFactory, InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { ExoclawSinks } from '../contract/index.js';
import { ActivityMetricsInterceptor } from './activity-metrics-interceptor.js';
import { agentMetrics, type AgentMetrics } from './agent-metrics.js';
import type { Tracing, WorkflowSpanSinks } from './tracing.js';

const require = createRequire(import.meta.url);

/** The workflow interceptor modules every agent workflow bundle includes (the OTel workflow spans). */
export function workflowInterceptorModules(): string[] {
  return [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];
}

/** Options for bundleWorkflowCode: spread into every bundle of agent workflows (production, tests, bench). */
export function agentBundleOptions(): { workflowInterceptorModules: string[] } {
  return { workflowInterceptorModules: workflowInterceptorModules() };
}

type TelemetrySinks = InjectedSinks<ExoclawSinks> & WorkflowSpanSinks;

/**
 * Worker options for telemetry: the sinks the bundled workflows call (workflow spans, turn
 * counts), the activity interceptors (metrics always; trace spans when tracing is on) and, for a
 * worker that bundles from source (`fromSource`), the workflow interceptor modules (a pre-built
 * bundle has them already: `agentBundleOptions()`).
 */
export function workerTelemetryOptions(
  tracing: Tracing | undefined,
  opts: { fromSource?: boolean; metrics?: AgentMetrics } = {},
): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const metrics = opts.metrics ?? agentMetrics;
  const activity: ActivityInterceptorsFactory[] = [(ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx, metrics) })];
  // The trace interceptor first (outermost): the activity span covers everything else.
  if (tracing) activity.unshift(tracing.activityInterceptors);
  const sinks: TelemetrySinks = {
    exporter: tracing ? tracing.workflowSpanSinks.exporter : { export: { fn: () => undefined } },
    exoclawMetrics: {
      turnEnded: { fn: (info, report) => metrics.turnEnded(info.workflowType, report.stopReason) },
    },
  };
  return { interceptors: { activity, ...(opts.fromSource ? { workflowModules: workflowInterceptorModules() } : {}) }, sinks };
}

/** For replay workers: the sinks the bundled workflows call (replays never call them, but they must exist). */
export function replayTelemetryOptions(): Pick<WorkerOptions, 'sinks'> {
  return { sinks: workerTelemetryOptions(undefined).sinks };
}
