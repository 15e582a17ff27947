// Our own spans (the provider call, the tool run), children of whatever span is active — in a
// worker, the Temporal activity's. Without a registered tracer provider the OTel API hands out
// non-recording spans, so this costs next to nothing when tracing is off.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { scrubSecrets } from '../logger.js';

const TRACER_NAME = 'exoclaw-temporal';

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
}

/** Runs `fn` in a new active span; a throw marks the span as an error (message scrubbed of keys). */
export async function withSpan<T>(name: string, opts: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      const message = scrubSecrets(error instanceof Error ? error.message : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanKind };
