import { afterEach, describe, expect, it } from 'vitest';
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
});
