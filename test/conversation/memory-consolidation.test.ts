import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversation, selectChunkEnd, SUMMARY_TAG } from '../../src/conversation/index.js';
import type { ChatRequest, LLMProvider, LLMResponse } from '../../src/core/llm-provider.js';
import { LLMError } from '../../src/core/errors.js';
import { contentText } from '../../src/core/messages.js';
import { captureLogger, chatTurn, tempWorkspace, toolTurn } from './helpers.js';

/**
 * A small in-test provider for fast unit tests: answers the forced save_memory call with a
 * summary of what it was given. (The real-HTTP path is covered in consolidation-scripted-llm.test.ts.)
 */
class FakeMemoryProvider implements LLMProvider {
  readonly requests: ChatRequest[] = [];
  failuresLeft = 0;
  delayMs = 0;
  defaultModel(): string {
    return 'fake/memory';
  }
  async chat(request: ChatRequest): Promise<LLMResponse> {
    this.requests.push(request);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new LLMError('upstream 503 (key sk-test-abcdefghijklmnop)', { kind: 'server_error', status: 503 });
    }
    const prompt = contentText(request.messages[1]!.content);
    const questions = [...prompt.matchAll(/USER: question (\S+)/g)].map((m) => m[1]);
    const previous = /## Current long-term memory\n([\s\S]*?)\n\n## Conversation/.exec(prompt)?.[1] ?? '';
    const memory = [previous === '(empty)' ? '' : previous, `- discussed ${questions.join(', ')}`].filter(Boolean).join('\n');
    return {
      content: null,
      toolCalls: [{ id: `save-${this.requests.length}`, name: 'save_memory', arguments: { history_entry: `Talked about ${questions.join(', ')}.`, memory_update: memory } }],
      finishReason: 'tool_calls',
      usage: { inputTokens: 1, outputTokens: 1 },
    };
  }
}

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

const historyFile = (): string => readFileSync(join(ws.dir, 'memory', 'HISTORY.md'), 'utf8');
const memoryFile = (): string => readFileSync(join(ws.dir, 'memory', 'MEMORY.md'), 'utf8');
const meta = (conversation: FileConversation, id: string): { lastConsolidated: number; summaries: string[] } =>
  JSON.parse(readFileSync(conversation.store.metaPath(id), 'utf8')) as { lastConsolidated: number; summaries: string[] };

describe('chunk selection', () => {
  it('never splits a tool call from its result and keeps the newest half-window', () => {
    const messages = [...chatTurn('a'), ...toolTurn('b'), ...toolTurn('c'), ...chatTurn('d')];
    // 12 messages, window 6 → keep 3; end 9 lands inside turn c; back to c's user message (6)
    expect(selectChunkEnd(messages, 0, { memoryWindow: 6 })).toBe(6);
    expect(selectChunkEnd(messages, 0, { memoryWindow: 12 })).toBeUndefined();
    expect(selectChunkEnd(messages, 6, { memoryWindow: 6 })).toBeUndefined();
    expect(selectChunkEnd(messages, 6, { memoryWindow: 6, all: true })).toBe(12);
    // a chunk cap that lands mid-turn moves to a turn boundary
    expect(selectChunkEnd(messages, 0, { memoryWindow: 2, maxChunkMessages: 4 })).toBe(2);
  });
});

describe('memory consolidation', () => {
  it('summarises the oldest chunk through a forced save_memory call once the window is exceeded', async () => {
    const provider = new FakeMemoryProvider();
    const conversation = new FileConversation({
      workspace: ws.dir,
      provider,
      memoryWindow: 8,
      now: () => new Date('2025-02-03T04:05:00Z'),
    });
    for (let i = 1; i <= 2; i++) await conversation.record('s', `t${i}`, toolTurn(`t${i}`));
    await conversation.whenIdle();
    expect(provider.requests).toHaveLength(0); // 8 messages: not over the window yet

    await conversation.record('s', 't3', toolTurn('t3'));
    expect(conversation.pendingConsolidation('s')).toBeDefined(); // started in the background
    await conversation.whenIdle();
    expect(conversation.pendingConsolidation('s')).toBeUndefined();

    expect(provider.requests).toHaveLength(1);
    const request = provider.requests[0]!;
    expect(request.toolChoice).toEqual({ name: 'save_memory' });
    expect(request.tools.map((t) => t.name)).toEqual(['save_memory']);
    expect(request.model).toBe('fake/memory');
    // 12 messages, keep 4 → chunk ends at t3's user message (index 8): turns t1 and t2
    expect(historyFile()).toBe('[2025-02-03 04:05] Talked about t1, t2.\n\n');
    expect(memoryFile()).toBe('- discussed t1, t2\n');
    expect(meta(conversation, 's')).toMatchObject({ lastConsolidated: 8, summaries: ['[2025-02-03 04:05] Talked about t1, t2.'] });

    // the next prompt: MEMORY.md in the system prompt, the summary first, then only unsummarised history
    const prompt = await conversation.buildPrompt('s', 'next');
    expect(contentText(prompt[0]!.content)).toContain('- discussed t1, t2');
    expect(contentText(prompt[1]!.content)).toBe(`${SUMMARY_TAG}\n[2025-02-03 04:05] Talked about t1, t2.`);
    expect(prompt.slice(2, -1).map((m) => contentText(m.content))).toEqual(toolTurn('t3').map((m) => contentText(m.content)));
    // nothing was removed from the session file
    expect(await conversation.messages('s')).toHaveLength(12);

    // running it again has nothing to do: the same chunk is never summarised twice
    expect(await conversation.consolidate('s')).toEqual({ status: 'nothing_to_do', sessionId: 's', lastConsolidated: 8 });
    expect(provider.requests).toHaveLength(1);
  });

  it('is idempotent when two instances consolidate the same session at once', async () => {
    const provider = new FakeMemoryProvider();
    provider.delayMs = 50;
    const a = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4, autoConsolidate: false });
    const b = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4, autoConsolidate: false });
    for (let i = 1; i <= 3; i++) await a.record('s', `t${i}`, chatTurn(`t${i}`));
    const results = await Promise.all([a.consolidate('s'), b.consolidate('s')]);
    expect(results.map((r) => r.status).sort()).toEqual(['consolidated', 'nothing_to_do']);
    expect(provider.requests).toHaveLength(1);
    expect(historyFile().match(/Talked about/g)).toHaveLength(1);
  });

  it('logs a failing LLM, loses nothing, and succeeds on the next run', async () => {
    const provider = new FakeMemoryProvider();
    provider.failuresLeft = 1;
    const { logger, lines } = captureLogger();
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4, logger });
    for (let i = 1; i <= 3; i++) await conversation.record('s', `t${i}`, chatTurn(`t${i}`));
    await conversation.whenIdle();

    const warning = lines().find((l) => String(l.msg).includes('Memory consolidation failed'));
    expect(warning).toBeDefined();
    expect(JSON.stringify(warning)).not.toContain('sk-test-abcdefghijklmnop');
    expect(existsSync(join(ws.dir, 'memory', 'HISTORY.md'))).toBe(false);
    expect(existsSync(conversation.store.metaPath('s'))).toBe(false);
    expect(await conversation.messages('s')).toHaveLength(6);
    // the prompt still has everything in the window
    expect((await conversation.buildPrompt('s', 'x')).length).toBe(1 + 4 + 1);

    const retried = await conversation.consolidate('s');
    expect(retried).toMatchObject({ status: 'consolidated', messagesConsolidated: 4, lastConsolidated: 4 });
    expect(historyFile()).toContain('Talked about t1, t2.');
  });

  it('rejects a response without a save_memory call and keeps MEMORY.md on an empty update', async () => {
    mkdirSync(join(ws.dir, 'memory'));
    writeFileSync(join(ws.dir, 'memory', 'MEMORY.md'), '- precious fact\n');
    const responses: LLMResponse[] = [
      { content: 'I would rather chat.', toolCalls: [], finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
      {
        content: null,
        toolCalls: [{ id: '1', name: 'save_memory', arguments: { history_entry: 'Entry.', memory_update: '  ' } }],
        finishReason: 'tool_calls',
        usage: { inputTokens: 0, outputTokens: 0 },
      },
    ];
    const provider: LLMProvider = { defaultModel: () => 'm', chat: async () => responses.shift()! };
    const { logger } = captureLogger();
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 2, autoConsolidate: false, logger });
    await conversation.record('s', 't1', chatTurn('t1'));
    await conversation.record('s', 't2', chatTurn('t2'));
    expect(await conversation.consolidate('s')).toMatchObject({ status: 'failed', error: 'The model did not call save_memory.' });
    expect(await conversation.consolidate('s')).toMatchObject({ status: 'consolidated' });
    expect(memoryFile()).toBe('- precious fact\n');
  });

  it('clear() consolidates what is left before archiving the session', async () => {
    const provider = new FakeMemoryProvider();
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 100 });
    await conversation.record('s', 't1', chatTurn('t1'));
    await conversation.record('s', 't2', toolTurn('t2'));
    await conversation.whenIdle();
    expect(provider.requests).toHaveLength(0);

    expect(await conversation.clear('s')).toBe(true);
    expect(provider.requests).toHaveLength(1);
    expect(historyFile()).toContain('Talked about t1, t2.');
    expect(memoryFile()).toContain('- discussed t1, t2');
    expect(await conversation.messages('s')).toEqual([]);
    // a new session starts without the old summary
    const prompt = await conversation.buildPrompt('s', 'hello again');
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user']);
    expect(contentText(prompt[0]!.content)).toContain('- discussed t1, t2');
  });

  it('without a provider, never consolidates and clear() still works', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, memoryWindow: 2 });
    for (let i = 1; i <= 3; i++) await conversation.record('s', `t${i}`, chatTurn(`t${i}`));
    expect(conversation.pendingConsolidation('s')).toBeUndefined();
    expect(await conversation.consolidate('s')).toEqual({ status: 'no_provider', sessionId: 's' });
    expect((await conversation.buildPrompt('s', 'x')).slice(1, -1)).toEqual(chatTurn('t3'));
    expect(await conversation.clear('s')).toBe(true);
  });
});
