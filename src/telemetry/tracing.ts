// OpenTelemetry tracing for a process (worker or client): off unless an OTLP endpoint is set in
// the standard OTel environment. Off costs nothing: the SDK, the exporter and the Temporal
// interceptors are only loaded when tracing starts (they take half a second to import), and
// the OTel API our spans use stays a no-op. One tracer provider per process, registered
// globally: the Temporal activity interceptor and our own spans find it through the API.
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

export const DEFAULT_SERVICE_NAME = 'exoclaw-temporal';

/** The sink the OTel workflow interceptors export workflow spans through. */
export type WorkflowSpanSinks = InjectedSinks<{ exporter: { export(spans: unknown[]): void } }>;

export interface Tracing {
  /** Where finished spans go: worker-side spans directly, workflow spans through the exporter sink. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Where spans are sent, for logs (e.g. "OTLP http://collector:4318"). */
  readonly describe: string;
  /** Activity spans, children of the workflow's StartActivity span. */
  readonly activityInterceptors: ActivityInterceptorsFactory;
  /** Hands the workflow spans made in the sandbox to `spanProcessor`. */
  readonly workflowSpanSinks: WorkflowSpanSinks;
  /** Client calls (start, signal, update, query) as spans whose context the workflow continues. */
  clientInterceptor(): WorkflowClientInterceptor;
  /** Sends what is buffered (a client command calls this before it exits). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** Overrides the OTLP exporter (tests pass a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessor?: SpanProcessor;
  /** service.name when OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES name none (default exoclaw-temporal). */
  serviceName?: string;
  describe?: string;
}

export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

let current: Tracing | undefined;
let starting: Promise<Tracing> | undefined;

/** The process's tracing, if started. */
export function activeTracing(): Tracing | undefined {
  return current;
}

/** Whether the standard OTel environment asks for traces (an OTLP endpoint, not disabled). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim() || env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  if (!endpoint) return undefined;
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return undefined;
  if (env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase() === 'none') return undefined;
  return endpoint;
}

/**
 * The process's tracing: the one already started, else one exporting by OTLP/HTTP when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, else none.
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off.
 */
export async function tracingFromEnv(env: NodeJS.ProcessEnv = process.env, opts: { serviceName?: string } = {}): Promise<Tracing | undefined> {
  if (current || starting) return current ?? starting;
  const endpoint = tracingRequested(env);
  if (!endpoint) return undefined;
  const protocol = (env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ?? env['OTEL_EXPORTER_OTLP_PROTOCOL'])?.trim();
  if (protocol && !protocol.startsWith('http/')) {
    throw new TracingConfigError(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported: traces are sent as OTLP/HTTP (JSON). ` +
        "Unset it (or set http/json) and point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's HTTP port (usually 4318).",
    );
  }
  return startTracing({ serviceName: opts.serviceName, describe: `OTLP ${endpoint}` });
}

/** Registers a tracer provider for this process (once; later calls return the first). */
export async function startTracing(opts: StartTracingOptions = {}): Promise<Tracing> {
  if (current) return current;
  starting ??= load(opts).then(
    (tracing) => {
      current = tracing;
      starting = undefined;
      return tracing;
    },
    (error: unknown) => {
      starting = undefined;
      throw error;
    },
  );
  return starting;
}

async function load(opts: StartTracingOptions): Promise<Tracing> {
  const [api, { AsyncLocalStorageContextManager }, { envDetectorSync, Resource }, sdk, temporal] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@temporalio/interceptors-opentelemetry'),
  ]);
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': opts.serviceName ?? DEFAULT_SERVICE_NAME, 'service.version': packageVersion() }))
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over our defaults.
    .merge(envDetectorSync.detect());
  let spanProcessor = opts.spanProcessor;
  if (!spanProcessor) {
    // The exporter reads the endpoint, headers, timeout and compression from the OTel variables.
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    spanProcessor = new sdk.BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Activities run inside async callbacks: AsyncLocalStorage carries the activity's span into
  // the provider call and the tool run. W3C trace context is the propagator (OTEL_PROPAGATORS).
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable() });
  const processor = spanProcessor;
  const tracing: Tracing = {
    spanProcessor: processor,
    resource,
    describe: opts.describe ?? 'a custom span processor',
    activityInterceptors: (ctx) => ({
      inbound: new temporal.OpenTelemetryActivityInboundInterceptor(ctx),
      outbound: new temporal.OpenTelemetryActivityOutboundInterceptor(ctx),
    }),
    workflowSpanSinks: { exporter: temporal.makeWorkflowExporter(processor, resource) as WorkflowSpanSinks['exporter'] },
    clientInterceptor: () => new temporal.OpenTelemetryWorkflowClientInterceptor(),
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
      if (current === tracing) current = undefined;
    },
  };
  return tracing;
}

/** Flushes the process's spans if tracing is on; never throws (a collector being down must not fail a command). */
export async function flushTracing(): Promise<void> {
  await current?.flush().catch(() => undefined);
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
