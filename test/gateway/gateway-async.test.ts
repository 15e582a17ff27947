// The gateway when the answer does not come from the caller's own request: a real cron job's
// result reaching an open SSE subscription, and a worker process SIGKILLed while the official
// `openai` client reads a streamed answer (the turn finishes on the other worker). Real dev
// server, real worker processes, a real gateway process, real HTTP.
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityTracker } from '../../dev/bounce/activity-tracker.js';
import { sessionWorkflowId } from '../../src/contract/index.js';
import { spawnCli, stopCli, type CliProcess } from '../cli/cli-process.js';
import { running, waitForActivity } from '../faults/fault-helpers.js';
import { getTestEnv } from '../helpers/temporal.js';
import { SESSION_TEST_RULES } from '../sessions/session-stack.js';
import { waitUntil } from '../support/wait.js';
import { readSse, startGatewayStack, type GatewayStack } from './gateway-stack.js';

const SLOW_ANSWER = Array.from({ length: 40 }, (_, index) => `word${index}`).join(' ');
const SECOND_WORKER = 'gateway-worker-b';

let stack: GatewayStack & { tokens: Record<string, string> };
let secondWorker: CliProcess | undefined;
let token: string;

beforeAll(async () => {
  stack = await startGatewayStack({ tokens: { main: undefined } });
  token = stack.tokens['main']!;
  stack.llm.setScript({
    useDefaults: true,
    rules: [
      // The job's message as the schedule delivers it: answered from its text, so the test knows the answer.
      { name: 'scheduled job', when: { lastUserMatches: '^\\[Scheduled job \\w+\\] (.+)$' }, reply: { text: '[scripted-llm] Cron answer: {{match.1}}' } },
      ...SESSION_TEST_RULES.filter((rule) => rule.name === 'cron at'),
      { name: 'slow stream', when: { lastUserMatches: 'stream through a kill' }, reply: { text: SLOW_ANSWER }, stream: { pieces: 40, pauseMs: 150 } },
    ],
  });
}, 180_000);
afterAll(async () => {
  if (secondWorker) await stopCli(secondWorker, 'SIGTERM');
  await stack?.stop();
}, 60_000);

function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${stack.url}${path}`, { ...init, headers });
}

interface StreamEvent {
  type: string;
  content?: string;
  source?: string;
  sourceId?: string;
  status?: string;
}

describe('gateway: a cron job answers into an open SSE subscription', () => {
  it('delivers the job result as an async_reply event', async () => {
    const sessionId = `gw-cron-${randomUUID().slice(0, 8)}`;
    const controller = new AbortController();
    const response = await call(`/v1/sessions/${sessionId}/events`, { signal: controller.signal });
    expect(response.status).toBe(200);
    const sse = readSse(response);
    try {
      // A real one-shot job, added by the model's cron tool a few seconds ahead.
      const at = new Date(Date.now() + 8_000).toISOString();
      const sent = await call(`/v1/sessions/${sessionId}/messages`, { method: 'POST', body: JSON.stringify({ text: `remind me 'check the backups' at ${at}` }) });
      expect(sent.status).toBe(200);
      const body = (await sent.json()) as { reply: { content: string } };
      const jobId = /Added job ([0-9a-f]{8})/.exec(body.reply.content)?.[1];
      expect(jobId, body.reply.content).toBeDefined();

      const events = (): StreamEvent[] => sse.events.map((event) => JSON.parse(event.data) as StreamEvent);
      const asyncReply = await waitUntil('the cron job answer on the SSE stream', () => events().find((event) => event.type === 'async_reply'), {
        timeoutMs: 60_000,
        detail: () => JSON.stringify(events().map((event) => event.type)),
      });
      expect(asyncReply).toMatchObject({
        source: 'cron',
        sourceId: `cron-session-${sessionId}-${jobId}`,
        status: 'completed',
        content: '[scripted-llm] Cron answer: check the backups',
      });
      // The user's own reply came first, as a plain reply; the job's answer is not one.
      expect(events().filter((event) => event.type === 'reply').map((event) => event.content)).toEqual([body.reply.content]);
    } finally {
      controller.abort();
      await sse.closed;
    }
  }, 120_000);
});

describe('gateway: a worker SIGKILLed while the openai client streams', () => {
  it('finishes the turn on the other worker and the client text equals the recorded reply', async () => {
    secondWorker = spawnCli(['worker', ...stack.connectionArgs, '--model', 'scripted/scripted-llm', '--identity', SECOND_WORKER], stack.env);
    await secondWorker.waitForLine(/^Worker ready/, 90_000);
    const workers: Record<string, CliProcess> = { [SECOND_WORKER]: secondWorker };

    const sessionId = `gw-kill-${randomUUID().slice(0, 8)}`;
    const openai = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: token, maxRetries: 0, timeout: 120_000 });
    const stream = await openai.chat.completions.create({
      model: 'scripted/scripted-llm',
      messages: [{ role: 'user', content: 'please stream through a kill' }],
      stream: true,
      user: sessionId,
    });
    const pieces: string[] = [];
    let finish: string | null = null;
    const reading = (async () => {
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content) pieces.push(choice.delta.content);
        if (choice?.finish_reason) finish = choice.finish_reason;
      }
    })();

    const { client } = await getTestEnv();
    const tracker = new ActivityTracker(client.workflow.getHandle(sessionWorkflowId(sessionId)));
    const victim = await waitForActivity(tracker, 'the model call to start', () => running(tracker, 'llmChat'), 30_000);
    await waitUntil('a few deltas at the client', () => pieces.length >= 3, { timeoutMs: 20_000, intervalMs: 20 });
    expect(pieces.join('').length, 'killed mid-stream, not after it').toBeLessThan(SLOW_ANSWER.length);
    // The stack's own worker has the default identity (pid@host); the second one is named.
    const killed = workers[victim.identity] ?? stack.worker;
    const survivor = killed === stack.worker ? SECOND_WORKER : undefined;
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');

    await reading;
    expect(finish).toBe('stop');
    const text = pieces.join('');
    expect(text).toBe(SLOW_ANSWER);

    // The retry ran on the survivor.
    await tracker.poll();
    const model = tracker.activities.get(victim.activity.activityId) ?? victim.activity;
    const attempts = [...model.attempts.values()].map((attempt) => attempt.identity);
    expect(attempts.length, JSON.stringify(attempts)).toBeGreaterThan(1);
    expect(attempts.at(-1)).not.toBe(victim.identity);
    if (survivor) expect(attempts.at(-1)).toBe(survivor);

    const history = (await (await call(`/v1/sessions/${sessionId}/history`)).json()) as { messages: { role: string; content: string }[] };
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(history.messages.at(-1)!.content).toBe(text);
    const status = (await (await call(`/v1/sessions/${sessionId}`)).json()) as { status: { lastReply: { content: string } } };
    expect(status.status.lastReply.content).toBe(text);

    // The session's own event log shows the model call's stream restarting on the survivor.
    const controller = new AbortController();
    const sse = readSse(await call(`/v1/sessions/${sessionId}/events`, { signal: controller.signal }));
    const types = (): string[] => sse.events.map((event) => (JSON.parse(event.data) as StreamEvent).type);
    await waitUntil('the whole turn in the event log', () => types().includes('turn_finished'), { timeoutMs: 20_000 });
    controller.abort();
    await sse.closed;
    expect(types()).toContain('stream_restarted');
  }, 180_000);
});
