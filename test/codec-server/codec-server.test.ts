// The codec server called the way the Temporal Web UI calls it from a browser (POST
// <endpoint>/decode with Content-Type, X-Namespace and Origin; the endpoint URL carries the
// token) and the way the Temporal CLI does (Authorization: Bearer), on payloads taken from the
// real history of an encrypted turn: it decrypts them and shows the messages behind references.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCodecServer, type CodecServer } from '../../src/codec-server/codec-server.js';
import { historyToJson } from '../../src/temporal/history-json.js';
import { resolveTemporalCli } from '../../dev/local-stack/temporal-cli.js';
import { ringOf, testKey } from '../encryption/keys.js';
import { getTestEnv } from '../helpers/temporal.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';

const key = testKey('codec-key');
const TOKEN = 'codec-test-token-0123456789';
const UI_ORIGIN = 'http://127.0.0.1:8233';
const COMMAND_OUTPUT = 'codec-visible-output';

let stack: DurableStack;
let server: CodecServer;
let outside: string;
/** The turn's history as the Web UI gets it from Temporal (proto3 JSON: payloads base64). */
let events: HistoryEventJson[];
let workflowId: string;

interface PayloadJson {
  metadata?: Record<string, string>;
  data?: string;
}
interface HistoryEventJson {
  eventId: string;
  eventType: string;
  userMetadata?: { summary?: PayloadJson };
  workflowExecutionStartedEventAttributes?: { input?: { payloads: PayloadJson[] } };
  activityTaskScheduledEventAttributes?: { activityType: { name: string }; input?: { payloads: PayloadJson[] } };
  activityTaskCompletedEventAttributes?: { scheduledEventId: string; result?: { payloads: PayloadJson[] } };
  markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: PayloadJson[] }> };
}

beforeAll(async () => {
  stack = await startDurableStack({ encryption: ringOf([key]) });
  server = await startCodecServer({ port: 0, token: TOKEN, uiOrigins: [UI_ORIGIN], stateDir: stack.stateDir, encryption: ringOf([key]) });
  outside = await mkdtemp(join(tmpdir(), 'exoclaw-codec-outside-'));
  await stack.withAgentWorker(async () => {
    const outcome = await stack.exoclaw.runTurn({ sessionId: 'codec', message: `Run the command 'echo ${COMMAND_OUTPUT}'` });
    expect(outcome.finalContent).toContain(COMMAND_OUTPUT);
    workflowId = outcome.workflowId;
  });
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  events = (JSON.parse(historyToJson(history)) as { events: HistoryEventJson[] }).events;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await stack?.close();
  if (outside) await rm(outside, { recursive: true, force: true });
});

type Auth = { path: string } | { bearer: string } | 'none';

/** A POST as the Web UI sends it: JSON body, X-Namespace, the page's Origin. */
async function post(
  payloads: unknown,
  opts: { auth?: Auth; origin?: string | null; endpoint?: string; query?: string; target?: CodecServer } = {},
): Promise<Response> {
  const auth = opts.auth ?? { path: TOKEN };
  const base = `${(opts.target ?? server).url}${typeof auth === 'object' && 'path' in auth ? `/token/${auth.path}` : ''}`;
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'X-Namespace': 'default' };
  if (opts.origin !== null) headers['Origin'] = opts.origin ?? UI_ORIGIN;
  if (typeof auth === 'object' && 'bearer' in auth) headers['Authorization'] = `Bearer ${auth.bearer}`;
  return fetch(`${base}/${opts.endpoint ?? 'decode'}${opts.query ?? ''}`, {
    method: 'POST',
    headers,
    body: typeof payloads === 'string' ? payloads : JSON.stringify({ payloads }),
  });
}

async function decodeAll(payloads: PayloadJson[], opts: Parameters<typeof post>[1] = {}): Promise<unknown[]> {
  const response = await post(payloads, opts);
  expect(response.status, await response.clone().text()).toBe(200);
  const body = (await response.json()) as { payloads: PayloadJson[] };
  return body.payloads.map(dataOf);
}

function dataOf(payload: PayloadJson): unknown {
  return JSON.parse(Buffer.from(payload.data ?? '', 'base64').toString('utf8'));
}

function plainPayload(value: unknown): PayloadJson {
  return { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify(value)).toString('base64') };
}

function scheduled(type: string): HistoryEventJson[] {
  return events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType.name === type);
}

/** A local activity's result, from its marker (the SDK's own `data` beside it is plain JSON). */
function localResult(type: string): PayloadJson {
  const marker = events.find((event) => {
    const attrs = event.markerRecordedEventAttributes;
    const data = attrs?.markerName === 'core_local_activity' ? attrs.details?.['data']?.payloads[0] : undefined;
    return data !== undefined && (dataOf(data) as { activity_type?: string }).activity_type === type;
  });
  return marker!.markerRecordedEventAttributes!.details!['result']!.payloads[0]!;
}

function resultOf(event: HistoryEventJson): PayloadJson {
  const done = events.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId === event.eventId);
  return done!.activityTaskCompletedEventAttributes!.result!.payloads[0]!;
}

interface Expanded {
  messages: { role: string; content: string; name?: string; toolCalls?: { name: string; arguments: Record<string, unknown> }[] }[];
  ref: string;
  count: number;
}

describe('codec server, called like the Web UI', () => {
  it('history holds only ciphertext and references: the payloads sent are encrypted', () => {
    const raw = JSON.stringify(events);
    expect(raw).not.toContain(COMMAND_OUTPUT);
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
    expect(Buffer.from(input.metadata!['encoding']!, 'base64').toString()).toBe('binary/encrypted');
  });

  it('decrypts the workflow input and shows the model input, the tool output and the summaries as text', async () => {
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
    const secondChat = scheduled('llmChat')[1]!;
    const tool = scheduled('executeTool')[0]!;
    const response = await post([
      input,
      secondChat.activityTaskScheduledEventAttributes!.input!.payloads[0]!,
      resultOf(tool),
      tool.userMetadata!.summary!,
      // recordTurn ran as a local activity: its result is in its marker, sealed like any other.
      localResult('recordTurn'),
    ]);
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const [turnInput, chatInput, toolResult, summary, recorded] = ((await response.json()) as { payloads: PayloadJson[] }).payloads.map(dataOf);

    expect(turnInput).toEqual({ sessionId: 'codec', message: `Run the command 'echo ${COMMAND_OUTPUT}'` });
    // The model input: the prompt blob (system prompt + user message), the assistant's tool call, the tool's answer.
    const handles = (chatInput as { messages: Expanded[] }).messages;
    expect(handles.map((h) => h.count)).toEqual([handles[0]!.count, 1, 1]);
    const [prompt, assistant, toolMessage] = handles;
    expect(prompt!.messages[0]!.role).toBe('system');
    expect(prompt!.messages.at(-1)).toMatchObject({ role: 'user', content: expect.stringContaining(`echo ${COMMAND_OUTPUT}`) });
    expect(Object.keys(prompt!)).toEqual(['messages', 'ref', 'count']);
    expect(prompt!.ref).toMatch(/^[0-9a-f]{64}$/);
    expect(assistant!.messages[0]!.toolCalls).toEqual([{ name: 'exec', arguments: { command: `echo ${COMMAND_OUTPUT}` } }]);
    expect(toolMessage!.messages[0]).toMatchObject({ role: 'tool', name: 'exec', content: expect.stringContaining(COMMAND_OUTPUT) });

    expect(Object.keys(toolResult as object)[0]).toBe('preview');
    expect((toolResult as { message: Expanded }).message.messages[0]!.content).toContain(COMMAND_OUTPUT);
    expect(summary).toBe(`exec: echo ${COMMAND_OUTPUT}`);
    expect(recorded).toMatchObject({ recorded: '4 messages', sessionId: 'codec' });
    // The recorded messages, references expanded: the record step's input is not in history (it ran locally).
    expect(JSON.stringify((recorded as { messages: unknown[] }).messages)).toContain(COMMAND_OUTPUT);
  });

  it('takes the token as a Bearer header too (temporal --codec-auth), from callers with no Origin', async () => {
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
    const [decoded] = await decodeAll([input], { auth: { bearer: TOKEN }, origin: null });
    expect(decoded).toMatchObject({ sessionId: 'codec' });
  });

  it('refuses without the token (401), with a wrong one, and from a page of another origin (403)', async () => {
    const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
    const missing = await post([input], { auth: 'none' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // The UI may read the refusal (its origin is allowed), and it says what to send.
    expect(missing.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(((await missing.json()) as { error: string }).error).toMatch(/codec token.*Authorization: Bearer/);

    expect((await post([input], { auth: { path: `${TOKEN}x` } })).status).toBe(401);
    expect((await post([input], { auth: { bearer: 'not-the-token-at-all' } })).status).toBe(401);

    const elsewhere = await post([input], { origin: 'http://evil.example' });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await elsewhere.json()) as { error: string }).error).toContain('--ui-origin');
  });

  it('answers the CORS preflight for the UI origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/token/${TOKEN}/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
      });
    const ok = await preflight(UI_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');

    const refused = await preflight('http://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bad input clearly', async () => {
    const notJson = await post('{"payloads": [', {});
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toContain('not JSON');

    const noPayloads = await post('{"items": []}', {});
    expect(noPayloads.status).toBe(400);
    expect(((await noPayloads.json()) as { error: string }).error).toMatch(/payloads/);

    const badBase64 = await post([{ metadata: { encoding: 'not base64!' }, data: '' }]);
    expect(badBase64.status).toBe(400);
    expect(((await badBase64.json()) as { error: string }).error).toMatch(/payloads\.0\.metadata\.encoding: must be base64/);

    const tooLarge = await post(`{"payloads": [], "pad": "${'x'.repeat(33 * 1024 * 1024)}"}`);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toMatch(/over \d+ bytes/);

    expect((await fetch(`${server.url}/token/${TOKEN}/decode`)).status).toBe(405);
    const unknown = await fetch(`${server.url}/token/${TOKEN}/../../etc/passwd`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
  });

  it('never serves anything outside the state root: a reference reached through a link stays unread', async () => {
    // A valid blob (it hashes to its name), kept outside the state root and linked in two ways.
    const messages = [{ role: 'user', content: 'planted outside the state root' }];
    const text = JSON.stringify(messages);
    const ref = createHash('sha256').update(text).digest('hex');
    await mkdir(join(outside, ref.slice(0, 2)), { recursive: true });
    await writeFile(join(outside, ref.slice(0, 2), `${ref}.json`), text);
    const blobs = join(stack.stateDir, 'blobs');
    await mkdir(join(blobs, ref.slice(0, 2)), { recursive: true });
    await symlink(join(outside, ref.slice(0, 2), `${ref}.json`), join(blobs, ref.slice(0, 2), `${ref}.json`));

    const [fileLink] = await decodeAll([plainPayload({ messages: [{ ref, count: 1 }] })]);
    expect(JSON.stringify(fileLink)).not.toContain('planted outside');
    expect((fileLink as { messages: { unavailable: string }[] }).messages[0]!.unavailable).toMatch(/link.*not followed/);

    // A folder of the blob store swapped for a link.
    const otherRef = 'f'.repeat(2) + ref.slice(2);
    await symlink(join(outside, ref.slice(0, 2)), join(blobs, 'ff'));
    const [dirLink] = await decodeAll([plainPayload({ ref: otherRef, count: 1 })]);
    expect((dirLink as { unavailable: string }).unavailable).toMatch(/not in the state root/);

    // A reference to nothing says so, and the rest of the payload is shown.
    const [missing] = await decodeAll([plainPayload({ keep: 'me', prompt: { ref: '0'.repeat(64), count: 2 } })]);
    expect(missing).toEqual({ keep: 'me', prompt: { unavailable: expect.stringMatching(/not in the state root/), ref: '0'.repeat(64), count: 2 } });
  });

  it('keeps what it shows readable: long texts cut to head and tail, images named instead of their bytes', async () => {
    const long = `start ${'x'.repeat(50_000)} end`;
    const image = { type: 'image', mediaType: 'image/png', data: Buffer.alloc(30_000, 1).toString('base64') };
    const ref = await stack.deps.blobs.putJson([
      { role: 'user', content: [{ type: 'text', text: 'look at this' }, image] },
      { role: 'tool', name: 'exec', toolCallId: 'c1', content: long },
    ]);
    const [decoded] = await decodeAll([plainPayload({ messages: [{ ref, count: 2 }] })]);
    const [{ messages }] = (decoded as { messages: Expanded[] }).messages as [Expanded];
    expect(messages[0]!.content).toBe('look at this\n[image image/png, 29 KiB]');
    expect(messages[1]!.content).toMatch(/^start x+\n\n\.\.\. \[\d+ characters omitted\] \.\.\.\n\nx+ end$/);
    expect(messages[1]!.content.length).toBeLessThan(21_000);
  });

  it('without the keys, an encrypted payload says which key it needs instead of failing the request', async () => {
    const keyless = await startCodecServer({ port: 0, token: TOKEN, uiOrigins: [UI_ORIGIN], stateDir: stack.stateDir });
    try {
      const input = events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
      const [decoded, plain] = await decodeAll([input, plainPayload('plain stays plain')], { target: keyless });
      expect((decoded as { codecError: string }).codecError).toMatch(/Cannot read a payload: it is encrypted with key "codec-key", but encryption is not configured/);
      expect(plain).toBe('plain stays plain');
    } finally {
      await keyless.close();
    }
  });

  it('encode encrypts with the active key, and decode reads it back', async () => {
    const encodedResponse = await post([plainPayload({ hello: 'codec' })], { endpoint: 'encode' });
    expect(encodedResponse.status).toBe(200);
    const [encoded] = ((await encodedResponse.json()) as { payloads: PayloadJson[] }).payloads;
    expect(Buffer.from(encoded!.metadata!['encoding']!, 'base64').toString()).toBe('binary/encrypted');
    expect(await decodeAll([encoded!])).toEqual([{ hello: 'codec' }]);
  });

  it('serves the Temporal CLI: temporal workflow show --codec-endpoint --codec-auth prints the expanded text', async () => {
    const env = await getTestEnv();
    const show = (extra: string[]) =>
      promisify(execFile)(
        resolveTemporalCli(),
        ['workflow', 'show', '--workflow-id', workflowId, '--address', env.address, '--namespace', env.namespace, '--output', 'json', '--codec-endpoint', server.url, ...extra],
        { maxBuffer: 64 * 1024 * 1024 },
      );
    const { stdout } = await show(['--codec-auth', `Bearer ${TOKEN}`]);
    // The CLI prints payloads in their JSON form (data base64), decoded by the codec server.
    const decoded = (stdout.match(/"data": "[A-Za-z0-9+/=]+"/g) ?? []).map((m) => Buffer.from(m.slice(9, -1), 'base64').toString('utf8')).join('\n');
    expect(decoded).toContain(COMMAND_OUTPUT);
    expect(decoded).toContain('"role":"tool"');

  });

  it('payloads kept in the state root (over 256 KiB) are fetched on decode, or kept as references when the UI asks', async () => {
    const message = `please echo this: ${'codec '.repeat(60_000)}end-of-big-message`;
    let input: PayloadJson;
    await stack.withAgentWorker(async () => {
      const outcome = await stack.exoclaw.runTurn({ sessionId: 'codec-big', message });
      const history = JSON.parse(historyToJson(await stack.client.workflow.getHandle(outcome.workflowId).fetchHistory())) as { events: HistoryEventJson[] };
      input = history.events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads[0]!;
    });
    expect(Buffer.from(input!.metadata!['messageType'] ?? '', 'base64').toString()).toBe('temporal.api.sdk.v1.ExternalStorageReference');

    const [fetched] = await decodeAll([input!]);
    expect((fetched as { message: string }).message).toMatch(/end-of-big-message$/);
    const [kept] = await decodeAll([input!], { query: '?preserveStorageRefs=true' });
    expect(kept).toMatchObject({ driverName: 'exoclaw-workspace', claimData: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const [downloaded] = await decodeAll([input!], { endpoint: 'download' });
    expect((downloaded as { message: string }).message).toMatch(/end-of-big-message$/);
  });
});
