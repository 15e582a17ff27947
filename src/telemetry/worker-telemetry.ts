// How traces and metrics are wired into Temporal workers and workflow bundles (clients: tracing.ts).
//
// Every agent workflow bundle includes workflows/trace-interceptors.ts, the OpenTelemetry
// workflow interceptors switched on per workflow by its start headers (a traced client's start),
// never by the worker's environment: workflow code must be the same on every worker for one
// history to replay on all of them. Workers always register the sinks those workflows call (a
// traced workflow's spans are dropped on a worker without tracing); the activity interceptors,
// which may differ per process, trace only when this worker traces.
import type { ActivityInterceptorsFactory, InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { ExoclawSinks } from '../contract/index.js';
import { moduleBeside } from '../package-root.js';
import { ActivityMetricsInterceptor } from './activity-metrics-interceptor.js';
import { agentMetrics, type AgentMetrics } from './agent-metrics.js';
import type { EventPublisher } from '../events/event-publisher.js';
import type { Tracing, WorkflowSpanSinks } from './tracing.js';

/** The workflow interceptor modules every agent workflow bundle includes. */
export function workflowInterceptorModules(): string[] {
  return [moduleBeside(import.meta.url, '../../workflows/trace-interceptors.js')];
}

/**
 * Libraries evaluated once per worker instead of once per workflow run (the reusable V8 context
 * shares and freezes them). Profiling showed every new workflow run re-running the module set-up
 * of zod (hundreds of class definitions) and of the OpenTelemetry semantic conventions (large
 * constant maps) before its first line: the largest CPU item of the workflow thread. Only
 * libraries whose module state never changes after load belong here; our own modules, which
 * build zod schemas (zod sets up a schema lazily, on its object), do not.
 */
export const PRELOADED_WORKFLOW_MODULES = ['zod', '@opentelemetry/semantic-conventions'];

/** Options for bundleWorkflowCode: spread into every bundle of agent workflows (production, tests, bench). */
export function agentBundleOptions(): { workflowInterceptorModules: string[]; preloadModules: string[] } {
  return { workflowInterceptorModules: workflowInterceptorModules(), preloadModules: [...PRELOADED_WORKFLOW_MODULES] };
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
  opts: { fromSource?: boolean; metrics?: AgentMetrics; events?: EventPublisher } = {},
): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  const metrics = opts.metrics ?? agentMetrics;
  const activity: ActivityInterceptorsFactory[] = [(ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx, metrics) })];
  // The trace interceptor first (outermost): the activity span covers everything else.
  if (tracing) activity.unshift(tracing.activityInterceptors);
  let published: Promise<unknown> = Promise.resolve();
  const sinks: TelemetrySinks = {
    exporter: tracing ? tracing.workflowSpanSinks.exporter : { export: { fn: () => undefined } },
    exoclawMetrics: {
      turnEnded: { fn: (info, report) => metrics.turnEnded(info.workflowType, report.stopReason) },
    },
    // Awaited by the worker before it reports the activation, so a turn's events are stored before
    // its next activity runs. The worker starts an activation's sink calls all at once: the queue
    // keeps them in the order the workflow made them.
    exoclawEvents: {
      publish: {
        fn: async (_info, sessionId, event) => {
          published = published.then(() => opts.events?.publish(sessionId, event));
          await published;
        },
      },
    },
  };
  return { interceptors: { activity, ...(opts.fromSource ? { workflowModules: workflowInterceptorModules() } : {}) }, sinks };
}

/** For replay workers: the sinks the bundled workflows call (replays never call them, but they must exist). */
export function replayTelemetryOptions(): Pick<WorkerOptions, 'sinks'> {
  return { sinks: workerTelemetryOptions(undefined).sinks };
}
