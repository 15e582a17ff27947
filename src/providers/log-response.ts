import type { LLMResponse } from '../core/llm-provider.js';
import type { Logger } from '../logger.js';

/** One debug line per answer (no prompt or answer text), plus a warning for unusable tool arguments. */
export function logResponse(log: Logger, model: string, response: LLMResponse): void {
  log.debug(
    {
      model,
      finishReason: response.finishReason,
      usage: response.usage,
      toolCalls: response.toolCalls.map((call) => call.name),
    },
    'llm response',
  );
  for (const call of response.toolCalls) {
    if (call.argumentsError) {
      log.warn({ model, tool: call.name, toolCallId: call.id }, 'tool-call arguments could not be parsed; the model will be told');
    }
  }
}
