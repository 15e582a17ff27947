import { pieces, type WireReply } from './wire-reply.js';

/* Messages API responses and the SSE event sequence, as api.anthropic.com sends them. */

function stopReason(reply: WireReply): 'tool_use' | 'end_turn' {
  return reply.toolCalls.length > 0 ? 'tool_use' : 'end_turn';
}

function baseMessage(reply: WireReply): Record<string, unknown> {
  return {
    id: `msg_${reply.id}`,
    type: 'message',
    role: 'assistant',
    model: reply.model,
    container: null,
    diagnostics: null,
    stop_details: null,
    stop_sequence: null,
  };
}

function usage(reply: WireReply, outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: reply.promptTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: null,
    inference_geo: null,
    server_tool_use: null,
    service_tier: 'standard',
  };
}

export function anthropicMessage(reply: WireReply): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (reply.thinking) content.push({ type: 'thinking', thinking: reply.thinking.text, signature: reply.thinking.signature });
  if (reply.text !== null && reply.text !== '') content.push({ type: 'text', text: reply.text, citations: null });
  for (const call of reply.toolCalls) {
    // A broken input can only travel as a string here (some proxies do exactly that).
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.valid ? call.arguments : call.argumentsJson });
  }
  return { ...baseMessage(reply), content, stop_reason: stopReason(reply), usage: usage(reply, reply.completionTokens) };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export function anthropicEvents(reply: WireReply): SseEvent[] {
  const events: SseEvent[] = [
    { event: 'message_start', data: { type: 'message_start', message: { ...baseMessage(reply), content: [], stop_reason: null, usage: usage(reply, 1) } } },
    { event: 'ping', data: { type: 'ping' } },
  ];
  let index = 0;
  const block = (start: Record<string, unknown>, deltas: Record<string, unknown>[]): void => {
    events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: start } });
    for (const delta of deltas) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta } });
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
    index++;
  };
  if (reply.thinking) {
    block({ type: 'thinking', thinking: '', signature: '' }, [
      ...pieces(reply.thinking.text).map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: reply.thinking.signature },
    ]);
  }
  if (reply.text !== null && reply.text !== '') {
    block({ type: 'text', text: '', citations: null }, pieces(reply.text, reply.textPieces).map((text) => ({ type: 'text_delta', text })));
  }
  for (const call of reply.toolCalls) {
    block(
      { type: 'tool_use', id: call.id, name: call.name, input: {} },
      pieces(call.argumentsJson).map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    );
  }
  events.push({
    event: 'message_delta',
    data: {
      type: 'message_delta',
      delta: { stop_reason: stopReason(reply), stop_sequence: null, stop_details: null, container: null },
      usage: { output_tokens: reply.completionTokens },
    },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}
