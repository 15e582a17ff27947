// Both providers driven through the official SDKs over real HTTP against the scripted server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest, LLMResponse } from '../../src/core/llm-provider.js';
import type { Message } from '../../src/core/messages.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/server.js';
import { APIS, lastChatBody, providerFor, TOOLS, type Api } from './helpers.js';

let server: ScriptedLlmServer;
beforeAll(async () => {
  server = await startScriptedLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const MODES = APIS.flatMap((api) => [
  { api, stream: false },
  { api, stream: true },
]);

async function chat(
  api: Api,
  stream: boolean,
  request: Partial<ChatRequest> & { messages: Message[] },
  providerName?: string,
): Promise<{ response: LLMResponse; deltas: string[] }> {
  const deltas: string[] = [];
  const response = await providerFor(api, server, providerName ? { providerName } : {}).chat({
    model: 'scripted-llm',
    tools: TOOLS,
    ...request,
    ...(stream ? { onDelta: (text: string) => deltas.push(text) } : {}),
  });
  return { response, deltas };
}

const user = (content: string): Message => ({ role: 'user', content });

describe.each(MODES)('$api provider (stream: $stream)', ({ api, stream }) => {
  it('returns a plain answer with usage', async () => {
    const { response, deltas } = await chat(api, stream, { messages: [{ role: 'system', content: 'Be brief.' }, user('hello there')] });
    expect(response.content).toBe('[scripted-llm] You said: hello there');
    expect(response.toolCalls).toEqual([]);
    expect(response.finishReason).toBe('stop');
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    expect(response.model).toBe('scripted-llm');
    expect(lastChatBody(server).stream ?? false).toBe(stream);
    if (stream) {
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe(response.content);
    }
  });

  it('returns one tool call with parsed arguments', async () => {
    const { response } = await chat(api, stream, { messages: [user('Please run the command echo hi')] });
    expect(response.finishReason).toBe('tool_calls');
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]).toMatchObject({ name: 'exec', arguments: { command: 'echo hi' } });
    expect(response.toolCalls[0]?.id).toMatch(/^(call|toolu)_/);
    expect(response.toolCalls[0]?.argumentsError).toBeUndefined();
  });

  it('returns two parallel tool calls with distinct ids', async () => {
    const { response } = await chat(api, stream, { messages: [user('run `echo a` and `echo b` in parallel')] });
    expect(response.toolCalls.map((call) => call.arguments)).toEqual([{ command: 'echo a' }, { command: 'echo b' }]);
    expect(new Set(response.toolCalls.map((call) => call.id)).size).toBe(2);
  });

  it('sends tool results back in the wire format and answers from them', async () => {
    const first = (await chat(api, stream, { messages: [user('run `echo a` and `echo b` in parallel')] })).response;
    const [a, b] = first.toolCalls;
    const messages: Message[] = [
      { role: 'system', content: 'You are a test agent.' },
      user('run `echo a` and `echo b` in parallel'),
      { role: 'assistant', content: null, toolCalls: first.toolCalls },
      { role: 'tool', toolCallId: a!.id, name: 'exec', content: 'a' },
      { role: 'tool', toolCallId: b!.id, name: 'exec', content: 'Error: exit code 1' },
    ];
    const { response } = await chat(api, stream, { messages });
    expect(response.content).toBe('[scripted-llm] All tools finished. Results:\nexec: a\nexec: Error: exit code 1');

    const body = lastChatBody(server);
    if (api === 'openai') {
      expect(body.messages).toEqual([
        { role: 'system', content: 'You are a test agent.' },
        { role: 'user', content: 'run `echo a` and `echo b` in parallel' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: a!.id, type: 'function', function: { name: 'exec', arguments: '{"command":"echo a"}' } },
            { id: b!.id, type: 'function', function: { name: 'exec', arguments: '{"command":"echo b"}' } },
          ],
        },
        { role: 'tool', tool_call_id: a!.id, content: 'a' },
        { role: 'tool', tool_call_id: b!.id, content: 'Error: exit code 1' },
      ]);
    } else {
      expect(body.system).toEqual([{ type: 'text', text: 'You are a test agent.', cache_control: { type: 'ephemeral' } }]);
      expect(body.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'run `echo a` and `echo b` in parallel' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: a!.id, name: 'exec', input: { command: 'echo a' } },
            { type: 'tool_use', id: b!.id, name: 'exec', input: { command: 'echo b' } },
          ],
        },
        // both results merged into ONE user message
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: a!.id, content: 'a' },
            { type: 'tool_result', tool_use_id: b!.id, content: 'Error: exit code 1', is_error: true },
          ],
        },
      ]);
    }
  });

  it('repairs Python-style tool-call JSON', async () => {
    server.injectFault({ malformedToolCall: 'repairable' });
    const { response } = await chat(api, stream, { messages: [user('write hello world to notes.txt')] });
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]).toMatchObject({ name: 'write_file', arguments: { path: 'notes.txt', content: 'hello world' } });
    expect(response.toolCalls[0]?.argumentsError).toBeUndefined();
  });

  it('reports unrepairable tool-call JSON as argumentsError instead of failing', async () => {
    server.injectFault({ malformedToolCall: true });
    const { response } = await chat(api, stream, { messages: [user('run the command ls')] });
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]?.name).toBe('exec');
    expect(response.toolCalls[0]?.arguments).toEqual({});
    expect(response.toolCalls[0]?.argumentsError).toMatch(/not valid JSON/);
  });

  it('forces a tool with toolChoice', async () => {
    const { response } = await chat(api, stream, {
      messages: [user('my name is Alice'), { role: 'assistant', content: 'Hi Alice' }, user('Consolidate this conversation.')],
      toolChoice: { name: 'save_memory' },
      reasoningEffort: 'high', // must be dropped for Anthropic: thinking cannot be combined with a forced tool
    });
    expect(response.toolCalls).toHaveLength(1);
    expect(response.toolCalls[0]?.name).toBe('save_memory');
    expect(String(response.toolCalls[0]?.arguments.memory_update)).toContain("User's name is Alice");
    const body = lastChatBody(server);
    if (api === 'openai') expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'save_memory' } });
    else {
      expect(body.tool_choice).toEqual({ type: 'tool', name: 'save_memory' });
      expect(body.thinking).toBeUndefined();
    }
  });

  it('sends image parts in the wire format', async () => {
    await chat(api, stream, {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in this picture' },
            { type: 'image', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
            { type: 'image', mediaType: 'image/jpeg', url: 'https://example.com/cat.jpg' },
          ],
        },
      ],
    });
    const content = (lastChatBody(server).messages as { content: unknown }[])[0]?.content;
    if (api === 'openai') {
      expect(content).toEqual([
        { type: 'text', text: 'what is in this picture' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ]);
    } else {
      expect(content).toEqual([
        { type: 'text', text: 'what is in this picture' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      ]);
    }
  });
});

describe.each([false, true])('Anthropic extended thinking (stream: %s)', (stream) => {
  it('keeps thinking blocks with their signature and passes them back verbatim before tool_use', async () => {
    const first = (await chat('anthropic', stream, { messages: [user('run the command date')], reasoningEffort: 'medium' })).response;
    const firstBody = lastChatBody(server);
    expect(firstBody.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(firstBody.max_tokens as number).toBeGreaterThan(8192);

    expect(first.toolCalls).toHaveLength(1);
    expect(first.thinkingBlocks).toHaveLength(1);
    const block = first.thinkingBlocks![0]!;
    expect(block.type).toBe('thinking');
    expect(block.thinking).toContain('run the command date');
    expect(block.signature).toMatch(/^scripted-sig-/);
    expect(first.reasoningContent).toBe(block.thinking);

    const second = (
      await chat('anthropic', stream, {
        reasoningEffort: 'medium',
        messages: [
          user('run the command date'),
          { role: 'assistant', content: first.content, toolCalls: first.toolCalls, thinkingBlocks: first.thinkingBlocks },
          { role: 'tool', toolCallId: first.toolCalls[0]!.id, name: 'exec', content: 'Mon Jan 1' },
        ],
      })
    ).response;
    // The server verifies the signature and that the assistant turn starts with thinking.
    expect(second.content).toBe('[scripted-llm] The command output was: Mon Jan 1');
    const assistant = (lastChatBody(server).messages as { role: string; content: unknown[] }[])[1];
    expect(assistant?.content[0]).toEqual({ type: 'thinking', thinking: block.thinking, signature: block.signature });
    expect(assistant?.content[1]).toMatchObject({ type: 'tool_use', id: first.toolCalls[0]!.id });
  });

  it('passes redacted thinking back as is', async () => {
    await chat('anthropic', stream, {
      messages: [
        user('hello'),
        { role: 'assistant', content: 'hi', thinkingBlocks: [{ type: 'redacted_thinking', data: 'opaque-bytes' }] },
        user('again'),
      ],
    });
    const assistant = (lastChatBody(server).messages as { content: unknown[] }[])[1];
    expect(assistant?.content).toEqual([{ type: 'redacted_thinking', data: 'opaque-bytes' }, { type: 'text', text: 'hi' }]);
  });

  it('the server rejects a thinking block whose text was altered (so verbatim pass-back is really checked)', async () => {
    const first = (await chat('anthropic', stream, { messages: [user('run the command date')], reasoningEffort: 'low' })).response;
    const tampered = first.thinkingBlocks!.map((block) => ({ ...block, thinking: `${block.thinking} (edited)` }));
    const error = await chat('anthropic', stream, {
      reasoningEffort: 'low',
      messages: [
        user('run the command date'),
        { role: 'assistant', content: null, toolCalls: first.toolCalls, thinkingBlocks: tampered },
        { role: 'tool', toolCallId: first.toolCalls[0]!.id, name: 'exec', content: 'x' },
      ],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LLMError', kind: 'bad_request' });
    expect((error as Error).message).toMatch(/Invalid `signature` in `thinking` block/);
  });
});

describe.each([false, true])('OpenAI-compatible reasoning (stream: %s)', (stream) => {
  it('reads reasoning_content, sends it back (DeepSeek-style), and maps reasoningEffort to reasoning_effort', async () => {
    const first = (await chat('openai', stream, { messages: [user('think about prime numbers')], reasoningEffort: 'low' }, 'deepseek')).response;
    expect(lastChatBody(server).reasoning_effort).toBe('low');
    expect(first.reasoningContent).toBe('The user asked me to think. Their words: think about prime numbers');
    expect(first.content).toBe('[scripted-llm] I thought about it. You said: think about prime numbers');

    const history: Message[] = [
      user('think about prime numbers'),
      { role: 'assistant', content: first.content, reasoningContent: first.reasoningContent! },
      user('thanks'),
    ];
    await chat('openai', stream, { messages: history }, 'deepseek');
    const assistant = (lastChatBody(server).messages as Record<string, unknown>[])[1];
    expect(assistant).toEqual({ role: 'assistant', content: first.content, reasoning_content: first.reasoningContent });

    // api.openai.com never sends reasoning_content, so it is not sent back there
    await chat('openai', stream, { messages: history }, 'openai');
    expect((lastChatBody(server).messages as Record<string, unknown>[])[1]).toEqual({ role: 'assistant', content: first.content });
  });
});

describe('request shaping', () => {
  it('Anthropic: merges consecutive user messages and pulls every system message into the cached system prompt', async () => {
    await chat('anthropic', false, {
      messages: [{ role: 'system', content: 'Part one.' }, user('first'), user('second'), { role: 'system', content: 'Part two.' }],
    });
    const body = lastChatBody(server);
    expect(body.system).toEqual([{ type: 'text', text: 'Part one.\n\nPart two.', cache_control: { type: 'ephemeral' } }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'text', text: 'second' }] }]);
  });

  it('Anthropic: tool definitions become input_schema', async () => {
    await chat('anthropic', false, { messages: [user('hi')] });
    expect((lastChatBody(server).tools as unknown[])[0]).toEqual({
      name: 'exec',
      description: 'Run a shell command',
      input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    });
  });

  it('OpenAI: asks for usage in streams and sends tools as functions', async () => {
    await chat('openai', true, { messages: [user('hi')], maxTokens: 100, temperature: 0.2 });
    const body = lastChatBody(server);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect((body.tools as unknown[])[0]).toEqual({
      type: 'function',
      function: { name: 'exec', description: 'Run a shell command', parameters: TOOLS[0]!.parameters },
    });
    expect(body.temperature).toBe(0.2);
    expect(body.max_completion_tokens).toBe(100);
  });

  it('OpenAI-compatible servers get max_tokens', async () => {
    const provider = providerFor('openai', server, { providerName: 'ollama' });
    await provider.chat({ model: 'llama3.2', messages: [user('hi')], tools: [], maxTokens: 64 });
    const body = lastChatBody(server);
    expect(body.max_tokens).toBe(64);
    expect(body.model).toBe('llama3.2');
    expect(body.tools).toBeUndefined();
  });

  it('the SDKs never retry on their own (maxRetries 0 by default)', async () => {
    for (const api of APIS) {
      server.reset();
      server.injectFault({ status: 500, times: 3 });
      await expect(providerFor(api, server).chat({ model: 'scripted-llm', messages: [user('x')], tools: [] })).rejects.toMatchObject({ kind: 'server_error' });
      expect(server.chatRequests()).toHaveLength(1);
    }
  });
});
