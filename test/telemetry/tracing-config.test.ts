// When tracing is on, and that off costs nothing: without an OTLP endpoint a worker or client
// process never loads the OTel SDK, the exporter or the Temporal interceptors.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tracingFromEnv, TracingConfigError } from '../../src/telemetry/tracing.js';
import { ROOT } from '../cli/cli-process.js';

describe('tracing from the standard OTel environment', () => {
  it('is off without an endpoint, and when the SDK or the trace exporter is disabled', async () => {
    expect(await tracingFromEnv({})).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(await tracingFromEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('refuses a gRPC protocol with what to set instead', async () => {
    const attempt = tracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    await expect(attempt).rejects.toBeInstanceOf(TracingConfigError);
    await expect(attempt).rejects.toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported.*OTLP\/HTTP.*4318/);
  });

  it('off, loads only the no-op OTel API: worker and client code import no SDK, exporter or interceptors', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { tracingFromEnv } = await import(${JSON.stringify(`${ROOT}/src/telemetry/tracing.ts`)});
      await import(${JSON.stringify(`${ROOT}/src/temporal/client.ts`)});
      await import(${JSON.stringify(`${ROOT}/src/temporal/agent-worker.ts`)});
      if ((await tracingFromEnv({})) !== undefined) throw new Error('tracing started');
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /opentelemetry/.test(k));
      console.log(JSON.stringify([...new Set(loaded.map((k) => /node_modules\\/(@[^/]+\\/[^/]+)/.exec(k)?.[1]))]));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual(['@opentelemetry/api']);
  }, 60_000);
});
