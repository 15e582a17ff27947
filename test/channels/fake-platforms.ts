// Fakes of the chat platforms' HTTP APIs, written for the tests (one home for them): real HTTP
// servers that record what they are sent, answer like the platform, and can be told to fail.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webhookSignatureProblem } from '../../src/channels/webhook/webhook-signature.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** What a fake does with the next requests: fail with a status (and Retry-After), or hold them unanswered. */
export interface Fault {
  status?: number;
  retryAfterSeconds?: number;
  /** Never answer (the sender's worker is then killed by the test). */
  hang?: boolean;
}

export interface WebhookPost {
  key: string;
  body: { chatId: string; text: string; kind: string; key: string; part: number; parts: number };
  at: number;
  signatureProblem: string | undefined;
}

/**
 * A webhook receiver as a user would write one: verifies the signature, de-duplicates on the
 * Idempotency-Key header, records each key's first delivery (and every attempt).
 */
export interface FakeWebhookReceiver {
  url: string;
  /** First delivery of each idempotency key, in arrival order. */
  delivered: WebhookPost[];
  /** Every POST, duplicates and refused ones included. */
  attempts: WebhookPost[];
  faults: Fault[];
  close(): Promise<void>;
}

export async function startFakeWebhookReceiver(secret: string): Promise<FakeWebhookReceiver> {
  const receiver: Omit<FakeWebhookReceiver, 'url' | 'close'> = { delivered: [], attempts: [], faults: [] };
  const server = createServer((request, response) => {
    void (async () => {
      const raw = await bodyOf(request);
      const post: WebhookPost = {
        key: String(request.headers['idempotency-key'] ?? ''),
        body: JSON.parse(raw) as WebhookPost['body'],
        at: Date.now(),
        signatureProblem: webhookSignatureProblem(
          secret,
          request.headers['x-exoclaw-timestamp'] as string | undefined,
          request.headers['x-exoclaw-signature'] as string | undefined,
          raw,
        ),
      };
      receiver.attempts.push(post);
      const fault = receiver.faults.shift();
      if (fault?.hang) {
        // Record it as taken, as a platform that processed it but whose answer was lost would.
        if (!receiver.delivered.some((d) => d.key === post.key)) receiver.delivered.push(post);
        return;
      }
      if (fault?.status) {
        const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
        return json(response, fault.status, { error: 'fault' }, headers);
      }
      if (post.signatureProblem) return json(response, 401, { error: post.signatureProblem });
      const duplicate = receiver.delivered.some((d) => d.key === post.key);
      if (!duplicate) receiver.delivered.push(post);
      json(response, 200, { ok: true, duplicate });
    })();
  });
  const url = await listen(server);
  return Object.assign(receiver, { url, close: () => close(server) });
}
