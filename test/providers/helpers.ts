import type { ToolDefinition } from '../../src/core/llm-provider.js';
import { AnthropicProvider } from '../../src/providers/anthropic-provider.js';
import { OpenAIProvider } from '../../src/providers/openai-provider.js';
import type { SdkProviderOptions } from '../../src/providers/provider-options.js';
import type { ScriptedLlmServer } from '../../dev/scripted-llm/server.js';

export type Api = 'openai' | 'anthropic';
export const APIS: Api[] = ['openai', 'anthropic'];

/** A provider of the given API pointed at the scripted server. */
export function providerFor(api: Api, server: ScriptedLlmServer, options: Partial<SdkProviderOptions> = {}): OpenAIProvider | AnthropicProvider {
  const base = { apiKey: 'sk-test-key-0000000000', defaultModel: 'scripted-llm', ...options };
  return api === 'openai'
    ? new OpenAIProvider({ baseURL: server.openaiBaseUrl, ...base })
    : new AnthropicProvider({ baseURL: server.anthropicBaseUrl, ...base });
}

export const TOOLS: ToolDefinition[] = [
  {
    name: 'exec',
    description: 'Run a shell command',
    parameters: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
  {
    name: 'write_file',
    description: 'Write a file',
    parameters: { type: 'object', properties: { path: { type: 'string' }, content: { type: 'string' } }, required: ['path', 'content'] },
  },
  {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
  {
    name: 'save_memory',
    description: 'Save memory',
    parameters: {
      type: 'object',
      properties: { history_entry: { type: 'string' }, memory_update: { type: 'string' } },
      required: ['history_entry', 'memory_update'],
    },
  },
];

/** The parsed JSON body of the latest chat request the server saw. */
export function lastChatBody(server: ScriptedLlmServer): Record<string, unknown> {
  const request = server.chatRequests().at(-1);
  if (!request) throw new Error('the server saw no chat request');
  return request.body as Record<string, unknown>;
}

/** Runs `fn` and returns what it threw. */
export async function rejectionOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}
