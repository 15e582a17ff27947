import type { FastifyReply, FastifyRequest } from 'fastify';

/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
export const KEEP_ALIVE_MS = 15_000;

export interface SseStream {
  /** Aborts when the client goes away or the gateway stops. */
  readonly signal: AbortSignal;
  /** Writes one event (`id:` makes it resumable with Last-Event-ID); waits while the socket is full. */
  send(data: string, opts?: { id?: number; event?: string }): Promise<void>;
  /** Ends the response. */
  end(): void;
}

/**
 * Takes the response over from Fastify and opens a Server-Sent Events stream on it. Slow
 * clients get back-pressure (send waits for 'drain') instead of an unbounded buffer.
 */
export function openSse(request: FastifyRequest, reply: FastifyReply, opts: { stopping: AbortSignal; headers?: Record<string, string> }): SseStream {
  reply.hijack();
  const res = reply.raw;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  request.raw.socket.on('close', abort);
  res.on('close', abort);
  opts.stopping.addEventListener('abort', abort, { once: true });
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar proxies buffer responses unless told otherwise.
    'x-accel-buffering': 'no',
    ...opts.headers,
  });
  res.flushHeaders();
  const ping = setInterval(() => {
    if (!res.writableEnded) res.write(': keep-alive\n\n');
  }, KEEP_ALIVE_MS);
  ping.unref();
  controller.signal.addEventListener('abort', () => {
    clearInterval(ping);
    opts.stopping.removeEventListener('abort', abort);
    if (!res.writableEnded) res.end();
  });

  return {
    signal: controller.signal,
    async send(data, { id, event } = {}) {
      if (controller.signal.aborted || res.writableEnded) return;
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      if (event !== undefined) frame += `event: ${event}\n`;
      for (const line of data.split('\n')) frame += `data: ${line}\n`;
      if (!res.write(`${frame}\n`)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done);
            controller.signal.removeEventListener('abort', done);
            resolve();
          };
          res.on('drain', done);
          controller.signal.addEventListener('abort', done);
        });
      }
    },
    end() {
      clearInterval(ping);
      if (!res.writableEnded) res.end();
      controller.abort();
    },
  };
}

/** Where a reader resumes: the Last-Event-ID header (what EventSource sends on reconnect), else `?after=N`, else 0. */
export function resumePoint(request: FastifyRequest): number | { error: string } {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.['after'];
  const raw = typeof header === 'string' && header.trim() !== '' ? header.trim() : typeof query === 'string' ? query : undefined;
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) return { error: `Last-Event-ID / after must be an event's sequence number (a whole number), got "${raw.slice(0, 40)}".` };
  return Number(raw);
}
