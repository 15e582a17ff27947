// The scripted LLM server itself: default script, rule language, control endpoints, SDK helpers, CLI.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import { InvalidScriptError, parseScript, type ScriptRule } from '../../dev/scripted-llm/script-schema.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/server.js';
import { APIS, lastChatBody, providerFor, TOOLS, type Api } from './helpers.js';

let server: ScriptedLlmServer;
const tempDir = mkdtempSync(join(tmpdir(), 'exoclaw-scripted-'));
beforeAll(async () => {
  server = await startScriptedLlmServer();
});
afterAll(async () => {
  await server.close();
  rmSync(tempDir, { recursive: true, force: true });
});
beforeEach(() => server.reset());

const user = (content: string): Message => ({ role: 'user', content });

async function ask(api: Api, messages: Message[], extra: { toolChoice?: { name: string } } = {}) {
  return providerFor(api, server).chat({ model: 'scripted-llm', tools: TOOLS, messages, ...extra });
}

describe.each(APIS)('default script over %s', (api) => {
  it.each([
    ['write hello world to notes.txt', 'write_file', { path: 'notes.txt', content: 'hello world' }],
    ["Write 'some text' into the file out/report.md.", 'write_file', { path: 'out/report.md', content: 'some text' }],
    ['create a file named hello.py containing print("hi")', 'write_file', { path: 'hello.py', content: 'print("hi")' }],
    ['read file notes.txt', 'read_file', { path: 'notes.txt' }],
    ['Please execute the command `ls -la /tmp`', 'exec', { command: 'ls -la /tmp' }],
    ['sleep 20 && echo task complete', 'exec', { command: 'sleep 20 && echo task complete' }],
  ])('"%s" calls %s', async (prompt, tool, args) => {
    const response = await ask(api, [user(prompt)]);
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]).toMatchObject({ name: tool, arguments: args });
  });

  it('"use tools a and b in parallel" makes two calls at once', async () => {
    const response = await ask(api, [user('use tools read_file and exec in parallel')]);
    expect(response.toolCalls.map((call) => call.name)).toEqual(['read_file', 'exec']);
  });

  it('answers with the tool output after the call', async () => {
    const first = await ask(api, [user('run the command echo hi')]);
    const call = first.toolCalls[0]!;
    const second = await ask(api, [
      user('run the command echo hi'),
      { role: 'assistant', content: null, toolCalls: [call] },
      { role: 'tool', toolCallId: call.id, name: 'exec', content: 'hi\n' },
    ]);
    expect(second.content).toBe('[scripted-llm] The command output was: hi');
  });

  it('remembers a name across separate turns from the history it receives', async () => {
    const turn1 = await ask(api, [user('Hi! My name is Alice.')]);
    expect(turn1.content).toBe("[scripted-llm] Nice to meet you, Alice! I'll remember that.");
    const turn2 = await ask(api, [user('Hi! My name is Alice.'), { role: 'assistant', content: turn1.content }, user('What is my name?')]);
    expect(turn2.content).toBe('[scripted-llm] Your name is Alice.');
    // a fresh session has no history, so no name
    const fresh = await ask(api, [user('What is my name?')]);
    expect(fresh.content).toContain("I don't know your name yet");
    // after consolidation the fact lives in the system prompt
    const fromMemory = await ask(api, [{ role: 'system', content: "# Memory\n- User's name is Bob" }, user("what's my name")]);
    expect(fromMemory.content).toBe('[scripted-llm] Your name is Bob.');
  });

  it('answers a forced save_memory with a summary and the facts', async () => {
    const response = await ask(api, [user('remember that the deploy is on Friday'), { role: 'assistant', content: 'ok' }, user('my name is Carol')], {
      toolChoice: { name: 'save_memory' },
    });
    const args = response.toolCalls[0]?.arguments as { history_entry: string; memory_update: string };
    expect(response.toolCalls[0]?.name).toBe('save_memory');
    expect(args.history_entry).toMatch(/^\[scripted-llm\] Conversation summary: .*deploy is on Friday/);
    expect(args.memory_update).toContain("- User's name is Carol");
    expect(args.memory_update).toContain('- Remember: the deploy is on Friday');
  });

  it('echoes anything else and says it is the scripted model', async () => {
    expect((await ask(api, [user('tell me a joke')])).content).toBe('[scripted-llm] You said: tell me a joke');
  });
});

describe('rules', () => {
  const rules: ScriptRule[] = [
    { name: 'second request', when: { nthRequest: 2 }, reply: { text: 'second #{{requestNumber}}' } },
    {
      name: 'grep result',
      when: { hasToolResult: true, lastToolResultMatches: 'status=(\\w+)' },
      reply: { text: 'status is {{toolMatch.1}} ({{lastToolName}})' },
    },
    {
      name: 'deploy',
      when: { lastUserMatches: 'deploy (\\w+) to (\\w+)', toolAvailable: 'exec' },
      reply: { toolCalls: [{ name: 'exec', arguments: { command: 'deploy {{match.1}} --env {{match.2}}', dry: false, tags: ['{{match.2}}'] } }] },
      delayMs: 50,
    },
    { name: 'openai only', when: { api: 'openai', lastUserMatches: 'which api' }, reply: { text: 'openai' } },
  ];

  it('match in order with captures and templates; the echo fallback answers the rest', async () => {
    server.setScript(rules);
    const first = await ask('openai', [user('deploy api to prod')]);
    expect(first.toolCalls[0]?.arguments).toEqual({ command: 'deploy api --env prod', dry: false, tags: ['prod'] });
    expect((await ask('anthropic', [user('anything')])).content).toBe('second #2');
    const call = first.toolCalls[0]!;
    const third = await ask('openai', [user('deploy api to prod'), { role: 'assistant', content: null, toolCalls: [call] }, { role: 'tool', toolCallId: call.id, name: 'exec', content: 'ok status=green' }]);
    expect(third.content).toBe('status is green (exec)');
    expect((await ask('anthropic', [user('which api')])).content).toBe('[scripted-llm] You said: which api');
    expect((await ask('openai', [user('which api')])).content).toBe('openai');
    expect(server.chatRequests().map((request) => request.ruleName)).toEqual(['deploy', 'second request', 'grep result', 'echo fallback', 'openai only']);
  });

  it('useDefaults appends the built-in script', async () => {
    server.setScript({ rules: [{ when: { lastUserMatches: '^ping$' }, reply: { text: 'pong' } }], useDefaults: true });
    expect((await ask('openai', [user('ping')])).content).toBe('pong');
    expect((await ask('openai', [user('read file a.txt')])).toolCalls[0]?.name).toBe('read_file');
  });

  it.each([
    [[{ when: { lastUserMatches: '(' }, reply: { text: 'x' } }], /invalid regular expression[\s\S]*at \[0\]\.when\.lastUserMatches/],
    [[{ reply: { text: 'hi {{nope}}' } }], /unknown template variable \{\{nope\}\}/],
    [[{ when: {} , reply: {} }], /a reply needs `text` or at least one entry in `toolCalls`/],
    [[{ when: { lastUserMatch: 'x' }, reply: { text: 'x' } }], /lastUserMatch/],
    ['not rules', /A script is a list of rules/],
  ])('a bad script fails with a readable error (%#)', (script, message) => {
    expect(() => parseScript(script)).toThrow(InvalidScriptError);
    expect(() => parseScript(script)).toThrow(message);
  });

  it('loads a JSON fixture file and names the file when it is broken', async () => {
    const good = join(tempDir, 'good.json');
    writeFileSync(good, JSON.stringify([{ when: { lastUserMatches: 'hello' }, reply: { text: 'hi from fixture' } }]));
    const fixtureServer = await startScriptedLlmServer({ script: good });
    try {
      const response = await providerFor('openai', fixtureServer).chat({ model: 'm', tools: [], messages: [user('hello')] });
      expect(response.content).toBe('hi from fixture');
    } finally {
      await fixtureServer.close();
    }
    const bad = join(tempDir, 'bad.json');
    writeFileSync(bad, '[{"reply": {"text": 1}}]');
    await expect(startScriptedLlmServer({ script: bad })).rejects.toThrow(/script file .*bad\.json[\s\S]*at \[0\]\.reply\.text/);
    const notJson = join(tempDir, 'not-json.json');
    writeFileSync(notJson, '[{');
    await expect(startScriptedLlmServer({ script: notJson })).rejects.toThrow(/not-json\.json is not valid JSON/);
  });
});

describe('control endpoints (for out-of-process tests)', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('inject faults, replace the script, list requests and reset over HTTP', async () => {
    expect((await post('/__control/faults', { status: 429, retryAfterSeconds: 2 })).status).toBe(200);
    await expect(ask('openai', [user('x')])).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 2000 });

    const scripted = await post('/__control/script', [{ reply: { text: 'from control' } }]);
    expect(await scripted.json()).toEqual({ rules: 1 });
    expect((await ask('anthropic', [user('x')])).content).toBe('from control');

    const listed = (await (await fetch(`${server.url}/__control/requests`)).json()) as { requests: { path: string; headers: Record<string, string> }[] };
    expect(listed.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
    expect(listed.requests[0]?.headers.authorization).toBe('[REDACTED]');

    await post('/__control/faults', { faults: [{ status: 500 }, { status: 500 }] });
    expect((await fetch(`${server.url}/__control/faults`, { method: 'DELETE' })).status).toBe(200);
    expect((await ask('openai', [user('x')])).content).toBe('from control');

    await post('/__control/reset', {});
    expect(server.requests).toHaveLength(0);
    expect((await ask('openai', [user('x')])).content).toBe('[scripted-llm] You said: x');
  });

  it('rejects a bad fault or script with a readable 400', async () => {
    const badFault = await post('/__control/faults', { statuss: 500 });
    expect(badFault.status).toBe(400);
    expect(((await badFault.json()) as { error: { message: string } }).error.message).toMatch(/Invalid fault/);
    const badScript = await post('/__control/script', [{ reply: { text: '{{x}}' } }]);
    expect(badScript.status).toBe(400);
    expect(((await badScript.json()) as { error: { message: string } }).error.message).toMatch(/unknown template variable/);
  });
});

describe('wire compatibility', () => {
  it('serves /health and /v1/models (both SDKs list the model)', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ status: 'ok', model: 'scripted-llm' });
    const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 });
    const openaiIds = [];
    for await (const model of openai.models.list()) openaiIds.push(model.id);
    expect(openaiIds).toEqual(['scripted-llm']);
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const page = await anthropic.models.list();
    expect(page.data.map((model) => model.id)).toEqual(['scripted-llm']);
  });

  it("the Anthropic SDK's messages.stream() helper assembles thinking, text and tool_use", async () => {
    server.setScript([{ reply: { thinking: 'hmm', text: 'calling', toolCalls: [{ name: 'exec', arguments: { command: 'ls' } }] } }]);
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: 'scripted-llm',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'go' }],
      tools: [{ name: 'exec', input_schema: { type: 'object' } }],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'hmm' });
    expect(message.content[2]).toMatchObject({ type: 'tool_use', name: 'exec', input: { command: 'ls' } });
    expect(texts.join('')).toBe('calling');
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it("the OpenAI SDK's chat.completions.stream() helper assembles tool calls and usage", async () => {
    server.setScript([{ reply: { toolCalls: [{ name: 'exec', arguments: { command: 'ls' } }, { name: 'read_file', arguments: { path: 'a' } }] } }]);
    const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 });
    const stream = openai.chat.completions.stream({
      model: 'scripted-llm',
      messages: [{ role: 'user', content: 'go' }],
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => (call.type === 'function' ? [call.function.name, call.function.arguments] : []))).toEqual([
      ['exec', '{"command":"ls"}'],
      ['read_file', '{"path":"a"}'],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('refuses conversations a real API would refuse', async () => {
    const openai = new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl, maxRetries: 0 });
    await expect(
      openai.chat.completions.create({
        model: 'm',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec', arguments: '{}' } }] },
          { role: 'user', content: 'y' },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/did not have response messages: c1/) });
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    await expect(
      anthropic.messages.create({
        model: 'm',
        max_tokens: 10,
        messages: [
          { role: 'user', content: 'x' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'exec', input: {} }] },
          { role: 'user', content: 'no result here' },
        ],
      }),
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/without `tool_result` blocks immediately after: t1/) });
  });

  it('records requests with auth headers redacted', async () => {
    await providerFor('anthropic', server, { apiKey: 'sk-ant-secret-value-123' }).chat({ model: 'm', tools: [], messages: [user('x')] });
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/v1/messages');
    expect(request.headers.authorization ?? request.headers['x-api-key']).toBe('[REDACTED]');
    expect(JSON.stringify(request)).not.toContain('sk-ant-secret-value-123');
    expect(lastChatBody(server).model).toBe('m');
  });

  it('listens on loopback only', async () => {
    await expect(startScriptedLlmServer({ host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
  });
});

describe('llm-server command', () => {
  it('prints its URL, serves requests, and exits cleanly on SIGTERM', async () => {
    const entry = `import('${join(process.cwd(), 'dev/scripted-llm/cli.ts')}').then((m) => m.runLlmServerCommand(['--port', '0'])).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
      });
      expect(line).toMatch(/^scripted LLM server listening on http:\/\/127\.0\.0\.1:\d+ \(no API key needed; answers are scripted, not a real model\)$/);
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'ok' });
      const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('rejects a bad --port with a readable error', async () => {
    const { runLlmServerCommand } = await import('../../dev/scripted-llm/cli.js');
    await expect(runLlmServerCommand(['--port', 'abc'])).rejects.toThrow(/--port must be a number/);
  });
});
