import { z } from 'zod';

/*
 * Both wire formats reduced to one view the rules run against, plus the request checks a
 * real API would make (so a provider that sends a broken conversation fails here too).
 */

export type WireApi = 'openai' | 'anthropic';

export interface ViewMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  text: string;
  toolCalls?: { id: string; name: string }[];
  toolCallId?: string;
  /** tool messages: the name of the tool that produced the result */
  toolName?: string;
}

export interface ConversationView {
  api: WireApi;
  model: string;
  stream: boolean;
  /** OpenAI: stream_options.include_usage */
  includeUsage: boolean;
  /** Anthropic: extended thinking was enabled */
  thinkingEnabled: boolean;
  messages: ViewMessage[];
  tools: string[];
  toolChoice?: string;
}

/** A request the server refuses, with the message a real API would give. */
export class WireRequestError extends Error {
  override readonly name = 'WireRequestError';
}

const OpenAIRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() })), z.null()]).optional(),
        tool_calls: z
          .array(z.looseObject({ id: z.string(), function: z.looseObject({ name: z.string(), arguments: z.string() }) }))
          .nullish(),
        tool_call_id: z.string().optional(),
      }),
    )
    .min(1),
  tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }) })).optional(),
  tool_choice: z.unknown().optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});

const AnthropicBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  tool_use_id: z.string().optional(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
  thinking: z.string().optional(),
  signature: z.string().optional(),
});

const AnthropicRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number({ error: 'max_tokens: Field required' }).int().min(0),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(AnthropicBlockSchema)]) })).min(1),
  system: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string() }))]).optional(),
  tools: z.array(z.looseObject({ name: z.string() })).optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional() }).optional(),
  thinking: z.looseObject({ type: z.string() }).optional(),
  stream: z.boolean().optional(),
});

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`;
}

export function openAIView(body: unknown): ConversationView {
  const parsed = OpenAIRequestSchema.safeParse(body);
  if (!parsed.success) throw new WireRequestError(`Invalid request: ${firstIssue(parsed.error)}`);
  const request = parsed.data;
  const messages: ViewMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const message of request.messages) {
    const text = textOf(message.content);
    if (message.role === 'assistant') {
      const toolCalls = (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name }));
      for (const call of toolCalls) toolNames.set(call.id, call.name);
      messages.push({ role: 'assistant', text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
    } else if (message.role === 'tool') {
      const id = message.tool_call_id ?? '';
      messages.push({ role: 'tool', text, toolCallId: id, toolName: toolNames.get(id) ?? '' });
    } else {
      messages.push({ role: message.role === 'developer' ? 'system' : message.role, text });
    }
  }
  checkOpenAIToolPairs(messages);
  const choice = request.tool_choice as { function?: { name?: unknown } } | undefined;
  const view: ConversationView = {
    api: 'openai',
    model: request.model,
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
    thinkingEnabled: false,
    messages,
    tools: (request.tools ?? []).map((tool) => tool.function.name),
  };
  if (typeof choice?.function?.name === 'string') view.toolChoice = choice.function.name;
  return view;
}

/** Every assistant tool call is answered before the conversation goes on, and no answer is orphaned. */
function checkOpenAIToolPairs(messages: ViewMessage[]): void {
  let pending = new Set<string>();
  for (const [index, message] of messages.entries()) {
    if (message.role === 'tool') {
      if (!pending.delete(message.toolCallId ?? '')) {
        throw new WireRequestError(
          `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls' (messages.[${index}], tool_call_id ${JSON.stringify(message.toolCallId)}).`,
        );
      }
      continue;
    }
    if (pending.size > 0) {
      throw new WireRequestError(
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
      );
    }
    pending = new Set((message.toolCalls ?? []).map((call) => call.id));
  }
}

export function anthropicView(body: unknown, verifySignature: (thinking: string, signature: string) => boolean): ConversationView {
  const parsed = AnthropicRequestSchema.safeParse(body);
  if (!parsed.success) throw new WireRequestError(firstIssue(parsed.error));
  const request = parsed.data;
  const thinkingEnabled = request.thinking?.type === 'enabled' || request.thinking?.type === 'adaptive';
  if (thinkingEnabled && (request.tool_choice?.type === 'tool' || request.tool_choice?.type === 'any')) {
    throw new WireRequestError('Thinking may not be enabled when tool_choice forces tool use.');
  }
  const messages: ViewMessage[] = [];
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((block) => block.text).join('\n');
  if (system) messages.push({ role: 'system', text: system });

  const toolNames = new Map<string, string>();
  let previousToolUses = new Set<string>();
  for (const [index, message] of request.messages.entries()) {
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (message.role === 'assistant') {
      checkThinkingBlocks(blocks, index, verifySignature);
      const toolCalls = blocks
        .filter((block) => block.type === 'tool_use')
        .map((block) => ({ id: block.id ?? '', name: block.name ?? '' }));
      for (const call of toolCalls) toolNames.set(call.id, call.name);
      const text = blocks.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('');
      messages.push({ role: 'assistant', text, ...(toolCalls.length > 0 ? { toolCalls } : {}) });
      if (thinkingEnabled && toolCalls.length > 0 && index === request.messages.length - 2) {
        const first = blocks[0]?.type;
        if (first !== 'thinking' && first !== 'redacted_thinking') {
          throw new WireRequestError(
            `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`,
          );
        }
      }
      previousToolUses = new Set(toolCalls.map((call) => call.id));
      continue;
    }
    const results = blocks.filter((block) => block.type === 'tool_result');
    const answered = new Set(results.map((block) => block.tool_use_id ?? ''));
    const missing = [...previousToolUses].filter((id) => !answered.has(id));
    if (missing.length > 0) {
      throw new WireRequestError(
        `messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
      );
    }
    const unexpected = [...answered].filter((id) => !previousToolUses.has(id));
    if (unexpected.length > 0) {
      throw new WireRequestError(
        `messages.${index}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
      );
    }
    previousToolUses = new Set();
    for (const block of results) {
      const id = block.tool_use_id ?? '';
      messages.push({ role: 'tool', text: textOf(block.content ?? ''), toolCallId: id, toolName: toolNames.get(id) ?? '' });
    }
    const text = blocks.filter((block) => block.type === 'text').map((block) => block.text ?? '').join('\n');
    if (text || results.length === 0) messages.push({ role: 'user', text });
  }

  const view: ConversationView = {
    api: 'anthropic',
    model: request.model,
    stream: request.stream === true,
    includeUsage: true,
    thinkingEnabled,
    messages,
    tools: (request.tools ?? []).map((tool) => tool.name),
  };
  if (request.tool_choice?.type === 'tool' && request.tool_choice.name) view.toolChoice = request.tool_choice.name;
  return view;
}

function checkThinkingBlocks(
  blocks: z.infer<typeof AnthropicBlockSchema>[],
  index: number,
  verifySignature: (thinking: string, signature: string) => boolean,
): void {
  for (const [position, block] of blocks.entries()) {
    if (block.type !== 'thinking') continue;
    if (!verifySignature(block.thinking ?? '', block.signature ?? '')) {
      throw new WireRequestError(`messages.${index}.content.${position}: Invalid \`signature\` in \`thinking\` block`);
    }
  }
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: unknown; text?: unknown }) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}
