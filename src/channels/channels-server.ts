import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { BodyTooLarge, sendJson } from './http-request.js';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * The channels process's HTTP side: one POST route per webhook-driven adapter (the webhook
 * channel, Slack's Events API) and `GET /healthz`. Stateless: run as many as you like behind a
 * load balancer; sessions de-duplicate what two replicas both receive.
 */
export async function startChannelsServer(
  routes: Map<string, RouteHandler>,
  opts: { host: string; port: number; logger: Logger },
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (error instanceof BodyTooLarge) return sendJson(response, 413, { error: error.message });
      opts.logger.error({ err: error, path: request.url }, 'channel request failed');
      if (!response.headersSent) sendJson(response, 503, { error: 'the message could not be queued; try again' });
      else response.end();
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://channels').pathname;
    if (path === '/healthz' && request.method === 'GET') return sendJson(response, 200, { ok: true, routes: [...routes.keys()] });
    const route = routes.get(path);
    if (!route) return sendJson(response, 404, { error: `no channel at ${path}` });
    if (request.method !== 'POST') return sendJson(response, 405, { error: 'use POST' }, { allow: 'POST' });
    await route(request, response);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
