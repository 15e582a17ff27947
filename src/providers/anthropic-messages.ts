import type {
  Base64ImageSource,
  ContentBlockParam,
  ImageBlockParam,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages';
import type { ToolDefinition } from '../core/llm-provider.js';
import { contentText, type ContentPart, type Message } from '../core/messages.js';

export interface AnthropicPrompt {
  /** the system prompt, marked for prompt caching; absent when there is none */
  system?: TextBlockParam[];
  messages: MessageParam[];
}

type UserOrAssistant = { role: 'user' | 'assistant'; content: ContentBlockParam[] };

/**
 * The common message format → Messages API. System messages become the top-level `system`
 * (cached), tool results become `tool_result` blocks in a user message, and consecutive
 * messages of one role are merged so roles alternate as the API requires.
 */
export function toAnthropicPrompt(messages: readonly Message[]): AnthropicPrompt {
  const systemText = messages
    .filter((message) => message.role === 'system')
    .map((message) => contentText(message.content))
    .filter((text) => text.trim() !== '')
    .join('\n\n');

  const turns: UserOrAssistant[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = message.role === 'assistant' ? assistantBlocks(message) : message.role === 'tool' ? [toolResultBlock(message)] : userBlocks(message.content);
    if (blocks.length === 0) continue;
    const last = turns[turns.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  for (const turn of turns) {
    // tool_result blocks must open the user message that carries them
    if (turn.role === 'user') turn.content = stableToolResultsFirst(turn.content);
  }
  if (turns[0]?.role === 'assistant') {
    turns.unshift({ role: 'user', content: [{ type: 'text', text: '(conversation continues)' }] });
  }

  const prompt: AnthropicPrompt = { messages: turns };
  if (systemText) prompt.system = [{ type: 'text', text: systemText, cache_control: { type: 'ephemeral' } }];
  return prompt;
}

function stableToolResultsFirst(blocks: ContentBlockParam[]): ContentBlockParam[] {
  const results = blocks.filter((block) => block.type === 'tool_result');
  return results.length === 0 ? blocks : [...results, ...blocks.filter((block) => block.type !== 'tool_result')];
}

function assistantBlocks(message: Message): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  // Thinking blocks go back verbatim (signature included) and before any tool_use.
  for (const block of message.thinkingBlocks ?? []) {
    if (block.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: block.data ?? '' });
    else blocks.push({ type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' });
  }
  const text = contentText(message.content);
  if (text.trim() !== '') blocks.push({ type: 'text', text });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments ?? {} });
  }
  return blocks;
}

function toolResultBlock(message: Message): ContentBlockParam {
  const text = contentText(message.content);
  return {
    type: 'tool_result',
    tool_use_id: message.toolCallId ?? '',
    content: text === '' ? '(no output)' : text,
    // The tool registry starts every failure with "Error".
    ...(text.startsWith('Error') ? { is_error: true } : {}),
  };
}

function userBlocks(content: Message['content']): ContentBlockParam[] {
  if (content === null) return [];
  if (typeof content === 'string') return content.trim() === '' ? [] : [{ type: 'text', text: content }];
  return content.flatMap((part) => (part.type === 'text' && part.text.trim() === '' ? [] : [toAnthropicPart(part)]));
}

function toAnthropicPart(part: ContentPart): TextBlockParam | ImageBlockParam {
  if (part.type === 'text') return { type: 'text', text: part.text };
  if (part.url) return { type: 'image', source: { type: 'url', url: part.url } };
  return {
    type: 'image',
    source: { type: 'base64', media_type: part.mediaType as Base64ImageSource['media_type'], data: part.data ?? '' },
  };
}

export function toAnthropicTools(tools: readonly ToolDefinition[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.parameters } as Tool.InputSchema,
  }));
}
