// processDirect end to end over real HTTP: the official `openai` SDK (through OpenAIProvider)
// talks to the scripted, wire-compatible LLM server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentText } from '../../src/core/index.js';
import { OpenAIProvider } from '../../src/providers/index.js';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { processDirect } from '../../src/runtime/index.js';
import { InMemoryConversation } from '../core/helpers/memory-conversation.js';
import { makeTool } from '../core/helpers/tools.js';
import { captureLogger } from './helpers/log-capture.js';

const CANARY_KEY = 'sk-canary-runtime-test-0123456789';

let server: ScriptedLlmServer;

beforeAll(async () => {
  server = await startScriptedLlmServer({
    script: [
      {
        name: 'add',
        when: { lastUserMatches: 'add (\\d+) and (\\d+)', hasToolResult: false },
        reply: { toolCalls: [{ name: 'add', arguments: { a: '{{match.1}}', b: '{{match.2}}' } }] },
      },
      { name: 'answer', when: { hasToolResult: true }, reply: { text: 'The sum is {{lastToolResult}}.' } },
    ],
  });
});

afterAll(async () => {
  await server?.close();
});

describe('processDirect with OpenAIProvider over HTTP', () => {
  it('runs a tool-using turn against the scripted server', async () => {
    const log = captureLogger();
    const provider = new OpenAIProvider({
      apiKey: CANARY_KEY,
      baseURL: server.openaiBaseUrl,
      defaultModel: 'scripted-gpt',
      logger: log.logger,
    });
    const conversation = new InMemoryConversation();
    const add = makeTool('add', (args) => String((args.a as number) + (args.b as number)), {
      description: 'Add two numbers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
    });

    const { content, result } = await processDirect('please add 2 and 3', {
      provider,
      conversation,
      tools: [add],
      sessionId: 'http-test',
      logger: log.logger,
    });

    expect(content).toBe('The sum is 5.');
    expect(result).toMatchObject({ toolsUsed: ['add'], iterations: 2, stopReason: 'completed' });
    const chats = server.chatRequests();
    expect(chats.map((r) => r.ruleName)).toEqual(['add', 'answer']);
    const first = chats[0]!.body as { model: string; tools: { function: { name: string } }[] };
    expect(first.model).toBe('scripted-gpt');
    expect(first.tools.map((t) => t.function.name)).toEqual(['add']);
    const second = chats[1]!.body as { messages: { role: string; content: unknown }[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: '5' });
    expect(conversation.history('http-test').map((m) => `${m.role}:${contentText(m.content)}`)).toEqual([
      'user:please add 2 and 3',
      'assistant:',
      'tool:5',
      'assistant:The sum is 5.',
    ]);
    // The key went over the wire but is never kept or logged.
    expect(JSON.stringify(server.requests)).not.toContain(CANARY_KEY);
    expect(JSON.stringify(log.lines())).not.toContain(CANARY_KEY);
  });
});
