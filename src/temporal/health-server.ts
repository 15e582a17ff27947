// An opt-in HTTP health endpoint for worker processes (`worker --health-port N`), for
// Kubernetes probes and Docker HEALTHCHECK. It reports the Temporal worker's own state, so a
// worker that is shutting down (draining activities) stops being "ready" at once. With a
// metrics source it also serves GET /metrics for Prometheus (src/telemetry/metrics-endpoint.ts).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HealthReport {
  /** true: answer 200; false: answer 503 */
  ok: boolean;
  /** a short word for humans and logs, e.g. RUNNING, STOPPING */
  state: string;
  /** each task queue's worker state, for a worker polling several */
  taskQueues?: Record<string, string>;
}

export interface HealthServerOptions {
  /** 0 picks a free port */
  port: number;
  /** default 0.0.0.0: probes come from the kubelet, outside the pod's loopback */
  host?: string;
  /** liveness: is the process worth keeping? */
  live: () => HealthReport;
  /** readiness: should it get work? (defaults to `live`) */
  ready?: () => HealthReport;
  /** GET /metrics: the Prometheus exposition (off when unset) */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

export interface HealthServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Paths the server answers; anything else is 404. */
export const HEALTH_PATHS = { live: '/livez', ready: '/readyz', both: '/healthz' } as const;
/** Where Prometheus scrapes, when the server has a metrics source. */
export const METRICS_PATH = '/metrics';

export class HealthServerError extends Error {
  override readonly name = 'HealthServerError';
}

/**
 * Liveness and readiness from a Temporal worker's state. Live while it runs or drains (a
 * draining worker must not be killed early: it is finishing activities within its shutdown
 * grace); ready only while RUNNING. `worker` is a Temporal Worker (or anything with its getState()). FAILED or STOPPED means the process should be replaced.
 */
export function workerHealth(worker: { getState(): string; getQueueStates?(): Record<string, string> | undefined }): {
  live: () => HealthReport;
  ready: () => HealthReport;
} {
  const queues = (): Pick<HealthReport, 'taskQueues'> => {
    const taskQueues = worker.getQueueStates?.();
    return taskQueues ? { taskQueues } : {};
  };
  return {
    live: () => {
      const state = worker.getState();
      return { ok: state === 'INITIALIZED' || state === 'RUNNING' || state === 'STOPPING' || state === 'DRAINING' || state === 'DRAINED', state, ...queues() };
    },
    ready: () => {
      const state = worker.getState();
      return { ok: state === 'RUNNING', state, ...queues() };
    },
  };
}

/** Starts the endpoint: GET /livez, /readyz, /healthz (both) → 200 or 503 with a JSON body. */
export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535) {
    throw new HealthServerError(`Health port must be a number from 0 to 65535; got ${opts.port}.`);
  }
  const ready = opts.ready ?? opts.live;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    let report: HealthReport | undefined;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === METRICS_PATH && opts.metrics) {
      serveMetrics(opts.metrics, req.method === 'HEAD', res);
      return;
    }
    try {
      if (path === HEALTH_PATHS.live) report = opts.live();
      else if (path === HEALTH_PATHS.ready) report = ready();
      else if (path === HEALTH_PATHS.both) {
        const a = opts.live();
        const b = ready();
        report = { ...b, ok: a.ok && b.ok };
      }
    } catch (error) {
      report = { ok: false, state: `check failed: ${(error as Error).message}` };
    }
    if (!report) {
      const paths = [...Object.values(HEALTH_PATHS), ...(opts.metrics ? [METRICS_PATH] : [])];
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `unknown path; use ${paths.join(', ')}` }));
      return;
    }
    res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify(report));
  });
  const host = opts.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new HealthServerError(`Cannot serve health checks on ${host}:${opts.port}: ${error.code ?? error.message}. Pick another --health-port.`)),
    );
    server.listen(opts.port, host, () => resolve());
  });
  server.unref(); // never the reason a stopping worker process stays alive
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function serveMetrics(source: NonNullable<HealthServerOptions['metrics']>, head: boolean, res: ServerResponse): void {
  source().then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(head ? undefined : body);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`);
    },
  );
}
