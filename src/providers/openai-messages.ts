import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ToolDefinition } from '../core/llm-provider.js';
import { contentText, type ContentPart, type Message } from '../core/messages.js';

export interface OpenAIMessageOptions {
  /** send assistant `reasoning_content` back (DeepSeek and similar); default true */
  includeReasoning?: boolean;
}

/** The common message format → Chat Completions messages. */
export function toOpenAIMessages(messages: readonly Message[], options: OpenAIMessageOptions = {}): ChatCompletionMessageParam[] {
  const includeReasoning = options.includeReasoning ?? true;
  return messages.map((message) => toOpenAIMessage(message, includeReasoning));
}

function toOpenAIMessage(message: Message, includeReasoning: boolean): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: contentText(message.content) };
    case 'user':
      return { role: 'user', content: toOpenAIContent(message.content) };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId ?? '', content: contentText(message.content) };
    case 'assistant': {
      const text = contentText(message.content);
      const wire: ChatCompletionMessageParam & Record<string, unknown> = {
        role: 'assistant',
        content: text === '' && message.toolCalls?.length ? null : text,
      };
      if (message.toolCalls && message.toolCalls.length > 0) {
        wire.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
        }));
      }
      // DeepSeek and other reasoning models want their reasoning back during a tool loop.
      if (includeReasoning && message.reasoningContent) wire.reasoning_content = message.reasoningContent;
      return wire;
    }
  }
}

function toOpenAIContent(content: Message['content']): string | ChatCompletionContentPart[] {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  if (content.every((part) => part.type === 'text')) return contentText(content);
  return content.map(toOpenAIPart);
}

function toOpenAIPart(part: ContentPart): ChatCompletionContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const url = part.url ?? `data:${part.mediaType};base64,${part.data ?? ''}`;
  return { type: 'image_url', image_url: { url } };
}

export function toOpenAITools(tools: readonly ToolDefinition[]): ChatCompletionTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
  }));
}
