import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AgentMetrics } from '../../src/telemetry/agent-metrics.js';
import { workerMetricsSource } from '../../src/telemetry/metrics-endpoint.js';
import { startHealthServer, workerHealth, type HealthServer } from '../../src/temporal/health-server.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server?.url}${path}`);
  return { status: res.status, body: res.status === 404 ? await res.text() : await res.json() };
}

describe('worker health endpoint', () => {
  it('follows the worker state: ready only while RUNNING, live while draining', async () => {
    let state = 'INITIALIZED';
    server = await startHealthServer({ port: 0, host: '127.0.0.1', ...workerHealth({ getState: () => state }) });
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/livez')).status).toBe(200);
    state = 'RUNNING';
    expect(await get('/readyz')).toEqual({ status: 200, body: { ok: true, state: 'RUNNING' } });
    expect((await get('/healthz')).status).toBe(200);
    state = 'STOPPING'; // SIGTERM: finishing activities within the shutdown grace
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/livez')).status).toBe(200);
    expect((await get('/healthz')).status).toBe(503);
    state = 'FAILED';
    expect(await get('/livez')).toEqual({ status: 503, body: { ok: false, state: 'FAILED' } });
  });

  it('answers 404 for unknown paths and 503 when the check itself throws', async () => {
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      live: () => {
        throw new Error('boom');
      },
    });
    expect((await get('/nope')).status).toBe(404);
    expect(await get('/livez')).toEqual({ status: 503, body: { ok: false, state: 'check failed: boom' } });
  });

  it('says which port is taken when it cannot listen', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', live: () => ({ ok: true, state: 'RUNNING' }) });
    await expect(startHealthServer({ port: server.port, host: '127.0.0.1', live: () => ({ ok: true, state: 'x' }) })).rejects.toThrow(
      /EADDRINUSE.*--health-port/,
    );
  });

  it('serves /metrics only when given a metrics source', async () => {
    server = await startHealthServer({ port: 0, host: '127.0.0.1', live: () => ({ ok: true, state: 'RUNNING' }) });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('/metrics');
  });

  it('serves the agent series and the Temporal series proxied from the core exporter in one /metrics', async () => {
    // Stands in for the SDK core's Prometheus exporter on loopback.
    const core = createServer((req, res) => {
      res.writeHead(req.url === '/metrics' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end('# TYPE temporal_num_pollers gauge\ntemporal_num_pollers{poller_type="activity_task"} 5\n');
    });
    await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve));
    const coreUrl = `http://127.0.0.1:${(core.address() as AddressInfo).port}/metrics`;
    const metrics = new AgentMetrics();
    metrics.toolRun('exec', 'ok', 0.2);
    const busy = metrics.sessionBusy('s1');
    try {
      server = await startHealthServer({
        port: 0,
        host: '127.0.0.1',
        live: () => ({ ok: true, state: 'RUNNING' }),
        metrics: workerMetricsSource({ coreMetricsUrl: coreUrl, metrics }),
      });
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('exoclaw_tool_calls_total{tool="exec",outcome="ok"} 1');
      expect(text).toContain('exoclaw_sessions_active 1');
      expect(text).toContain('temporal_num_pollers{poller_type="activity_task"} 5');
      expect(text).toContain('process_resident_memory_bytes');
      busy();
      expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('exoclaw_sessions_active 0');
      expect((await get('/nope')).body).toContain('/metrics');
    } finally {
      await new Promise<void>((resolve) => core.close(() => resolve()));
    }
    // Core's exporter gone: still 200 with the agent series, and a comment saying what is missing.
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('exoclaw_tool_calls_total');
    expect(text).toMatch(/# Temporal worker metrics: .* unreachable/);
  });

  it('caps label values so a stream of new model or tool names cannot grow the series without bound', async () => {
    const metrics = new AgentMetrics();
    for (let i = 0; i < 500; i++) {
      metrics.modelCall({ provider: 'openai', model: `model-${i}`, outcome: 'ok', seconds: 0.1, inputTokens: 1 });
      metrics.toolRun(`tool_${i}`, 'ok', 0.01);
    }
    metrics.toolRun(undefined, 'error', 0.01);
    const text = await metrics.text();
    const modelLabels = new Set([...text.matchAll(/exoclaw_model_calls_total\{[^}]*model="([^"]+)"/g)].map((m) => m[1]));
    expect(modelLabels.size).toBe(51); // 50 names, then "other"
    expect(modelLabels).toContain('other');
    const toolLabels = new Set([...text.matchAll(/exoclaw_tool_calls_total\{tool="([^"]+)"/g)].map((m) => m[1]));
    expect(toolLabels.size).toBe(202); // 200 names, "other", and "unknown" for a name the registry lacks
    expect(toolLabels).toContain('unknown');
  });
});
