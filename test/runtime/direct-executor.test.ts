import { describe, expect, it } from 'vitest';
import { ToolRegistry } from '../../src/core/index.js';
import { DirectExecutor } from '../../src/runtime/index.js';
import { InMemoryConversation } from '../core/helpers/memory-conversation.js';
import { ScriptedProvider, call, reply } from '../core/helpers/scripted-provider.js';
import { makeTool } from '../core/helpers/tools.js';
import { captureLogger } from './helpers/log-capture.js';

function build(opts: Partial<ConstructorParameters<typeof DirectExecutor>[0]> = {}) {
  const provider = new ScriptedProvider([reply('<think>hmm</think>ok')]);
  const conversation = new InMemoryConversation({ systemPrompt: 'SYS' });
  const log = captureLogger();
  const executor = new DirectExecutor({ provider, conversation, tools: new ToolRegistry(), logger: log.logger, ...opts });
  return { provider, conversation, executor, log };
}

describe('DirectExecutor', () => {
  it('builds the prompt with tool systemContext, skipping empty and failing sections', async () => {
    const tools = new ToolRegistry([
      makeTool('memory', () => '', { systemContext: async () => '# Memory\nlikes tea' }),
      makeTool('quiet', () => '', { systemContext: () => '   ' }),
      makeTool('broken', () => '', {
        systemContext: () => {
          throw new Error('skills dir missing');
        },
      }),
    ]);
    const { executor, conversation, log } = build({ tools });
    const prompt = await executor.buildPrompt({
      sessionId: 's',
      turnId: 't',
      message: 'hi',
      channel: 'cli',
      chatId: 'direct',
      media: ['a.png'],
      extraContext: ['# Extra'],
    });
    expect(prompt[0]).toEqual({ role: 'system', content: 'SYS\n\n# Memory\nlikes tea\n\n# Extra' });
    expect(conversation.buildPromptCalls[0]).toEqual({
      sessionId: 's',
      message: 'hi',
      opts: { channel: 'cli', chatId: 'direct', media: ['a.png'], pluginContext: ['# Memory\nlikes tea', '# Extra'] },
    });
    expect(log.lines().some((l) => l.tool === 'broken' && l.level === 'warn')).toBe(true);
  });

  it('chats with the tool definitions (minus excluded ones) and returns the assistant message', async () => {
    const tools = new ToolRegistry([makeTool('exec', () => ''), makeTool('spawn', () => '')]);
    const { executor, provider } = build({ tools, excludeTools: ['spawn'], settings: { model: 'default-model' } });
    const step = await executor.chat({
      sessionId: 's',
      turnId: 't7',
      iteration: 1,
      messages: [{ role: 'user', content: 'hi' }],
      settings: { temperature: 0 },
    });
    expect(provider.requests[0]!.tools.map((t) => t.name)).toEqual(['exec']);
    expect(provider.requests[0]!.model).toBe('default-model');
    expect(provider.requests[0]!.temperature).toBe(0);
    expect('maxTokens' in provider.requests[0]!).toBe(false);
    expect(step.message).toEqual({
      role: 'assistant',
      content: 'ok',
      turnId: 't7',
      model: 'default-model',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
    expect(step.response.content).toBe('<think>hmm</think>ok');
  });

  it('refuses message references: only plain messages exist in-process', async () => {
    const { executor, provider } = build();
    await expect(
      executor.chat({ sessionId: 's', turnId: 't', iteration: 1, messages: [{ ref: 'blob:abc', count: 3 }], settings: {} }),
    ).rejects.toThrow(/message reference \(blob:abc\)/);
    await expect(executor.record({ sessionId: 's', turnId: 't', messages: [{ ref: 'blob:abc', count: 3 }] })).rejects.toThrow(
      TypeError,
    );
    expect(provider.calls).toBe(0);
  });

  it('executes a tool with its context and can rewrite large output', async () => {
    const seen: unknown[] = [];
    const tools = new ToolRegistry([
      makeTool('dump', (_args, ctx) => {
        seen.push(ctx);
        return 'x'.repeat(5000);
      }),
    ]);
    const { executor } = build({
      tools,
      toolOutput: (result, ctx) => `[${ctx.call.name} wrote ${result.length} chars; stored as out-${ctx.turnId}.txt]`,
    });
    const toolCall = call('dump', {}, 'cd');
    const result = await executor.executeTool({ sessionId: 's', turnId: 't', iteration: 1, call: toolCall, channel: 'cli', chatId: 'direct' });
    expect(result).toEqual({
      message: { role: 'tool', toolCallId: 'cd', name: 'dump', content: '[dump wrote 5000 chars; stored as out-t.txt]', turnId: 't' },
      isError: false,
      preview: '[dump wrote 5000 chars; stored as out-t.txt]',
    });
    expect(seen[0]).toMatchObject({ sessionId: 's', turnId: 't', toolCallId: 'cd', channel: 'cli', chatId: 'direct' });
  });

  it('records plain messages and clears through the conversation', async () => {
    const { executor, conversation } = build();
    await executor.record({ sessionId: 's', turnId: 't', messages: [{ role: 'user', content: 'hi', turnId: 't' }] });
    expect(conversation.history('s')).toHaveLength(1);
    expect(await executor.clear('s')).toBe(true);
    expect(conversation.history('s')).toEqual([]);
  });
});
