import { pieces, type WireReply } from './wire-reply.js';

/* Chat Completions responses as api.openai.com sends them (plus DeepSeek-style reasoning_content). */

function finishReason(reply: WireReply): 'tool_calls' | 'stop' {
  return reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

function usage(reply: WireReply): Record<string, number> {
  return {
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    total_tokens: reply.promptTokens + reply.completionTokens,
  };
}

export function openAICompletion(reply: WireReply): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: reply.text, refusal: null };
  if (reply.thinking) message.reasoning_content = reply.thinking.text;
  if (reply.toolCalls.length > 0) {
    message.tool_calls = reply.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.argumentsJson },
    }));
  }
  return {
    id: `chatcmpl-${reply.id}`,
    object: 'chat.completion',
    created: reply.created,
    model: reply.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(reply) }],
    usage: usage(reply),
    system_fingerprint: 'scripted-llm',
  };
}

/** The chunks of a streamed answer; tool-call arguments arrive split across several chunks. */
export function openAIChunks(reply: WireReply, includeUsage: boolean): Record<string, unknown>[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): Record<string, unknown> => ({
    id: `chatcmpl-${reply.id}`,
    object: 'chat.completion.chunk',
    created: reply.created,
    model: reply.model,
    system_fingerprint: 'scripted-llm',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of pieces(reply.thinking?.text ?? '')) chunks.push(chunk({ reasoning_content: piece }));
  for (const piece of pieces(reply.text ?? '', reply.textPieces)) chunks.push(chunk({ content: piece }));
  for (const [index, call] of reply.toolCalls.entries()) {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const piece of pieces(call.argumentsJson)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  }
  chunks.push(chunk({}, finishReason(reply)));
  if (includeUsage) {
    chunks.push({
      id: `chatcmpl-${reply.id}`,
      object: 'chat.completion.chunk',
      created: reply.created,
      model: reply.model,
      system_fingerprint: 'scripted-llm',
      choices: [],
      usage: usage(reply),
    });
  }
  return chunks;
}
