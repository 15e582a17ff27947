// Metrics 5 and 6: the gateway. Time to first token of a streamed answer through the gateway's
// OpenAI-compatible endpoint (gateway → Temporal → worker → model → event stream → gateway) next
// to the same scripted model called directly with the same client; and fan-out: how long one
// event takes to reach each of many connected SSE clients.
import { setMaxListeners } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { SessionStore } from '../../src/conversation/session-store.js';
import { startGateway } from '../../src/gateway/gateway-server.js';
import { TokenStore } from '../../src/gateway/token-store.js';
import { ApprovalsClient } from '../../src/temporal/approvals-client.js';
import { SessionClient } from '../../src/temporal/session-client.js';
import { BENCH_STREAM_MESSAGE } from './bench-script.js';
import { BenchSanityError, type PhaseContext } from './phase-context.js';
import { median, percentile, round } from './stats.js';

export const FANOUT_CLIENTS = 200;
const FANOUT_EVENTS = 10;

export async function measureGateway(ctx: PhaseContext): Promise<void> {
  const { stack, opts, progress, emit } = ctx;
  const scratch = await mkdtemp(join(tmpdir(), 'exoclaw-bench-gateway-'));
  const tokens = new TokenStore(join(scratch, 'tokens.json'));
  const { token } = await tokens.create('bench');
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    tokens,
    logger: stack.logger,
    sessions: new SessionClient(stack.client, stack.taskQueue),
    approvals: new ApprovalsClient(stack.client, stack.taskQueue),
    events: stack.deps.events!.store,
    sessionStore: new SessionStore(stack.config.agents.defaults.stateDir),
    model: stack.config.agents.defaults.model,
    limits: {
      ...stack.config.gateway,
      rateLimitPerMinute: 100_000,
      maxStreamsPerToken: FANOUT_CLIENTS + 10,
    },
    ready: async () => true,
  });
  try {
    const runs = opts.runs;
    const viaGateway = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: token, maxRetries: 0 });
    const direct = new OpenAI({ baseURL: `${stack.config.providers['scripted']!.apiBase}/v1`, apiKey: 'unused', maxRetries: 0 });
    const firstToken = async (client: OpenAI, user: string): Promise<number> => {
      ctx.signal.throwIfAborted();
      const started = performance.now();
      const stream = await client.chat.completions.create({ model: 'scripted-llm', stream: true, user, messages: [{ role: 'user', content: BENCH_STREAM_MESSAGE }] });
      let first: number | undefined;
      for await (const chunk of stream) if (first === undefined && chunk.choices[0]?.delta.content) first = performance.now() - started;
      if (first === undefined) throw new BenchSanityError('A streamed answer carried no text.');
      return first;
    };
    progress(`gateway: time to first token, ${runs} runs each through the gateway and direct (after one warm-up)`);
    await firstToken(viaGateway, `bench-${ctx.runId}-ttft-warmup`);
    await firstToken(direct, 'warmup');
    const gatewayMs: number[] = [];
    const directMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      // A new session per run: each is a session's first turn, as the direct call has no history either.
      gatewayMs.push(await firstToken(viaGateway, `bench-${ctx.runId}-ttft-${i}`));
      directMs.push(await firstToken(direct, `run-${i}`));
    }
    emit({
      metric: 'gateway_time_to_first_token',
      value: round(median(gatewayMs), 1),
      unit: 'ms (median)',
      context: { runs, p95_ms: round(percentile(gatewayMs, 95), 1), path: 'openai client → gateway → Temporal session → worker → scripted model → event stream' },
    });
    emit({
      metric: 'provider_time_to_first_token',
      value: round(median(directMs), 1),
      unit: 'ms (median)',
      context: { runs, p95_ms: round(percentile(directMs, 95), 1), path: 'openai client → the same scripted model, direct' },
    });

    progress(`gateway: fan-out of ${FANOUT_EVENTS} events to ${FANOUT_CLIENTS} SSE clients`);
    const latencies = await fanOut(gateway.url, token, stack.deps.events!.store, `bench-${ctx.runId}-fanout`, ctx.signal);
    emit({
      metric: 'gateway_sse_fanout_p95',
      value: round(percentile(latencies, 95), 1),
      unit: 'ms',
      context: {
        clients: FANOUT_CLIENTS,
        events: FANOUT_EVENTS,
        p50_ms: round(percentile(latencies, 50), 1),
        max_ms: round(Math.max(...latencies), 1),
        backend: stack.deps.events!.store.kind,
      },
    });
  } finally {
    await gateway.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Connects the clients, appends events one at a time, and returns every (event, client) delivery latency. */
async function fanOut(
  url: string,
  token: string,
  store: NonNullable<PhaseContext['stack']['deps']['events']>['store'],
  sessionId: string,
  signal: AbortSignal,
): Promise<number[]> {
  const after = await store.lastSeq(sessionId);
  const abort = new AbortController();
  setMaxListeners(FANOUT_CLIENTS + 10, abort.signal); // one per client
  // One event at a time, all deliveries awaited before the next: whatever arrives is the current one.
  let sentAt = 0;
  const latencies: number[] = [];
  const arrivals = new Map<number, number>();
  let notify = (): void => undefined;
  const readers = await Promise.all(
    Array.from({ length: FANOUT_CLIENTS }, async () => {
      const response = await fetch(`${url}/v1/sessions/${encodeURIComponent(sessionId)}/events?after=${after}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: abort.signal,
      });
      if (response.status !== 200) throw new BenchSanityError(`An SSE client got HTTP ${response.status}.`);
      return response;
    }),
  );
  const reading = readers.map(async (response) => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        const now = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const id = /^id: (\d+)$/m.exec(buffer.slice(0, end))?.[1];
          buffer = buffer.slice(end + 2);
          if (id === undefined) continue;
          const seq = Number(id);
          latencies.push(now - sentAt);
          arrivals.set(seq, (arrivals.get(seq) ?? 0) + 1);
          notify();
        }
      }
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  });
  try {
    for (let i = 0; i < FANOUT_EVENTS; i++) {
      signal.throwIfAborted();
      sentAt = performance.now();
      const event = await store.append(sessionId, { type: 'message', content: `fan-out ${i}` });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new BenchSanityError(`event ${event.seq} reached ${arrivals.get(event.seq) ?? 0} of ${FANOUT_CLIENTS} clients in 30 s`)), 30_000);
        notify = () => {
          if ((arrivals.get(event.seq) ?? 0) < FANOUT_CLIENTS) return;
          clearTimeout(timer);
          resolve();
        };
        notify();
      });
    }
  } finally {
    abort.abort();
    await Promise.allSettled(reading);
  }
  return latencies;
}
