import { Context } from '@temporalio/activity';
import { assistantMessage, type ChatStep, type ChatStepResult, type LLMResponse } from '../src/core/index.js';
import { resolveMessages, storeMessages } from '../src/storage/index.js';
import type { ActivityDeps } from './activity-deps.js';
import { toApplicationFailure } from './application-failure.js';
import { keepAlive } from './heartbeat.js';

export type LlmChatInput = Omit<ChatStep, 'signal'> & { excludeTools?: string[] };

/**
 * One model call. Streams when it can, heartbeating the streamed size so a dead worker is
 * noticed quickly; provider errors become retryable or final ApplicationFailures.
 */
export function llmChatActivity(deps: ActivityDeps) {
  return async function llmChat(req: LlmChatInput): Promise<ChatStepResult> {
    const ctx = Context.current();
    await deps.leases.renew(req.sessionId, req.turnId);
    const messages = await resolveMessages(deps.blobs, req.messages);
    const { provider, model } = deps.resolveModel(req.model ?? deps.llmDefaults.model);
    let streamedChars = 0;
    const beat = keepAlive(() => ({ phase: 'llm', model, streamedChars }), deps.heartbeatIntervalMs);
    let response: LLMResponse;
    try {
      response = await provider.chat({
        messages,
        tools: deps.tools.definitions(req.excludeTools),
        model,
        temperature: req.temperature ?? deps.llmDefaults.temperature,
        maxTokens: req.maxTokens ?? deps.llmDefaults.maxTokens,
        reasoningEffort: req.reasoningEffort ?? deps.llmDefaults.reasoningEffort,
        signal: ctx.cancellationSignal,
        onDelta: (text) => {
          streamedChars += text.length;
        },
      });
    } catch (error) {
      throw toApplicationFailure(error);
    } finally {
      beat.stop();
    }
    const message = await storeMessages(deps.blobs, [assistantMessage(response, req.turnId)]);
    // The workflow needs the answer and the tool calls; reasoning stays in the stored message.
    const slim: LLMResponse = {
      content: response.content,
      toolCalls: response.toolCalls,
      finishReason: response.finishReason,
      usage: response.usage,
      model: response.model,
    };
    return { response: slim, message };
  };
}
