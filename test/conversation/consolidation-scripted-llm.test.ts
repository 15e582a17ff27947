import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FileConversation, type ConsolidationResult } from '../../src/conversation/index.js';
import type { Message } from '../../src/core/messages.js';
import { AnthropicProvider, OpenAIProvider } from '../../src/providers/index.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { captureLogger, tempWorkspace } from './helpers.js';

/**
 * Memory consolidation end to end: the official SDKs over real HTTP to the scripted LLM
 * server, which answers the forced save_memory call.
 */

let server: ScriptedLlmServer;
let ws: ReturnType<typeof tempWorkspace>;

beforeAll(async () => {
  server = await startScriptedLlmServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

const turn = (id: string, text: string): Message[] => [
  { role: 'user', content: text },
  { role: 'assistant', content: `Noted (${id}).` },
];

async function recordConversation(conversation: FileConversation): Promise<void> {
  await conversation.record('tg/1', 't1', turn('t1', 'Hello, my name is Ada.'));
  await conversation.record('tg/1', 't2', turn('t2', 'Please remember that I take my tea without sugar.'));
  await conversation.record('tg/1', 't3', turn('t3', 'What is the weather like?'));
}

describe('memory consolidation against the scripted LLM', () => {
  it('through OpenAIProvider: a forced save_memory call updates MEMORY.md and HISTORY.md', async () => {
    const provider = new OpenAIProvider({ apiKey: 'test-key', baseURL: server.openaiBaseUrl, defaultModel: 'scripted-llm' });
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4 });
    await recordConversation(conversation);
    const pending = conversation.pendingConsolidation('tg/1');
    expect(pending).toBeDefined();
    const result = (await pending) as ConsolidationResult;
    expect(result).toMatchObject({ status: 'consolidated', messagesConsolidated: 4, lastConsolidated: 4 });

    const [request] = server.chatRequests();
    expect(request?.path).toBe('/v1/chat/completions');
    const body = request?.body as { tool_choice?: unknown; tools?: { function: { name: string } }[] };
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'save_memory' } });
    expect(body.tools?.map((t) => t.function.name)).toEqual(['save_memory']);

    const memory = readFileSync(join(ws.dir, 'memory', 'MEMORY.md'), 'utf8');
    expect(memory).toContain("User's name is Ada");
    expect(memory).toContain('Remember: I take my tea without sugar');
    const history = readFileSync(join(ws.dir, 'memory', 'HISTORY.md'), 'utf8');
    expect(history).toMatch(/^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\] \[scripted-llm\] Conversation summary: .*my name is Ada/);

    // the next prompt carries the memory and the summary, and only the unsummarised turn
    const prompt = await conversation.buildPrompt('tg/1', 'and now?');
    expect(String(prompt[0]!.content)).toContain("User's name is Ada");
    expect(String(prompt[1]!.content)).toContain('Conversation summary');
    expect(prompt.slice(2, -1).map((m) => m.content)).toEqual(['What is the weather like?', 'Noted (t3).']);
  });

  it('through AnthropicProvider as well (tool_choice of type "tool")', async () => {
    const provider = new AnthropicProvider({ apiKey: 'test-key', baseURL: server.anthropicBaseUrl, defaultModel: 'scripted-llm' });
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4, autoConsolidate: false });
    await recordConversation(conversation);
    expect(await conversation.consolidate('tg/1')).toMatchObject({ status: 'consolidated' });
    const body = server.chatRequests()[0]?.body as { tool_choice?: unknown };
    expect(body.tool_choice).toMatchObject({ type: 'tool', name: 'save_memory' });
    expect(readFileSync(join(ws.dir, 'memory', 'MEMORY.md'), 'utf8')).toContain("User's name is Ada");
  });

  it('a server error is logged, loses nothing, and the next run succeeds', async () => {
    const provider = new OpenAIProvider({ apiKey: 'test-key', baseURL: server.openaiBaseUrl, defaultModel: 'scripted-llm' });
    const { logger, lines } = captureLogger();
    const conversation = new FileConversation({ workspace: ws.dir, provider, memoryWindow: 4, logger });
    server.injectFault({ status: 500 });
    await recordConversation(conversation);
    expect(await conversation.pendingConsolidation('tg/1')).toMatchObject({ status: 'failed', lastConsolidated: 0 });
    expect(lines().some((l) => l.level === 'warn' && String(l.msg).includes('Memory consolidation failed'))).toBe(true);
    expect(await conversation.messages('tg/1')).toHaveLength(6);

    expect(await conversation.consolidate('tg/1')).toMatchObject({ status: 'consolidated', lastConsolidated: 4 });
    expect(server.chatRequests()).toHaveLength(2);
  });
});
