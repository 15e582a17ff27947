// Workflow interceptor module of every agent workflow bundle (src/telemetry/worker-telemetry.ts,
// agentBundleOptions): the OpenTelemetry workflow interceptors, switched on per workflow by its
// history, never by the worker's environment. A workflow whose start carried a trace context (a
// client with tracing on) gets spans for itself, its activities, child workflows and signals,
// and passes the context on to them in headers; any other workflow runs exactly as without
// interceptors: no spans, no trace header in its history (where it would sit unencrypted beside
// encrypted payloads). The start headers are the same on every replay, so the choice is too.
import type {
  ActivityInput,
  ContinueAsNewInput,
  DisposeInput,
  GetLogAttributesInput,
  GetMetricTagsInput,
  LocalActivityInput,
  Next,
  QueryInput,
  SignalInput,
  SignalWorkflowInput,
  StartChildWorkflowExecutionInput,
  StartNexusOperationInput,
  UpdateInput,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';

interface Traced {
  inbound: OpenTelemetryInboundInterceptor;
  outbound: OpenTelemetryOutboundInterceptor;
  internals: OpenTelemetryInternalsInterceptor;
}

/** This workflow's OTel interceptors, made when its start turns out to carry a trace context. */
class TraceSwitch {
  traced: Traced | undefined;

  decide(headers: WorkflowExecuteInput['headers']): Traced | undefined {
    if (headers[TRACE_HEADER] !== undefined) {
      this.traced ??= {
        inbound: new OpenTelemetryInboundInterceptor(),
        outbound: new OpenTelemetryOutboundInterceptor(),
        internals: new OpenTelemetryInternalsInterceptor(),
      };
    }
    return this.traced;
  }
}

class Inbound implements WorkflowInboundCallsInterceptor {
  constructor(private readonly on: TraceSwitch) {}

  execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const traced = this.on.decide(input.headers);
    return traced ? traced.inbound.execute(input, next) : next(input);
  }

  handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    return this.on.traced ? this.on.traced.inbound.handleSignal(input, next) : next(input);
  }

  handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    return this.on.traced ? this.on.traced.inbound.handleUpdate(input, next) : next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (this.on.traced) this.on.traced.inbound.validateUpdate(input, next);
    else next(input);
  }

  handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    return this.on.traced ? this.on.traced.inbound.handleQuery(input, next) : next(input);
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  constructor(private readonly on: TraceSwitch) {}

  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    return this.on.traced ? this.on.traced.outbound.scheduleActivity(input, next) : next(input);
  }

  scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    return this.on.traced ? this.on.traced.outbound.scheduleLocalActivity(input, next) : next(input);
  }

  startNexusOperation(
    input: StartNexusOperationInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startNexusOperation'>,
  ): ReturnType<Next<WorkflowOutboundCallsInterceptor, 'startNexusOperation'>> {
    return this.on.traced ? this.on.traced.outbound.startNexusOperation(input, next) : next(input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): ReturnType<Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>> {
    return this.on.traced ? this.on.traced.outbound.startChildWorkflowExecution(input, next) : next(input);
  }

  continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    return this.on.traced ? this.on.traced.outbound.continueAsNew(input, next) : next(input);
  }

  signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    return this.on.traced ? this.on.traced.outbound.signalWorkflow(input, next) : next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return this.on.traced ? this.on.traced.outbound.getLogAttributes(input, next) : next(input);
  }

  getMetricTags(input: GetMetricTagsInput, next: Next<WorkflowOutboundCallsInterceptor, 'getMetricTags'>): GetMetricTagsInput {
    return this.on.traced ? this.on.traced.outbound.getMetricTags(input, next) : next(input);
  }
}

class Internals implements WorkflowInternalsInterceptor {
  constructor(private readonly on: TraceSwitch) {}

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    if (this.on.traced) void this.on.traced.internals.dispose(input, next);
    else next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => {
  const on = new TraceSwitch();
  return { inbound: [new Inbound(on)], outbound: [new Outbound(on)], internals: [new Internals(on)] };
};
