import { ApplicationFailure, Context } from '@temporalio/activity';
import { assistantMessage, withModelSettings, type ChatStep, type ChatStepResult, type LLMResponse, type ToolSelection } from '../src/core/index.js';
import { DeltaStream } from '../src/events/delta-stream.js';
import { resolveMessages, storeMessages } from '../src/storage/index.js';
import type { ActivityDeps } from './activity-deps.js';
import { attemptOf, toApplicationFailure } from './application-failure.js';
import { keepAlive } from './heartbeat.js';
import { keepSessionLease } from './session-lease-keeper.js';

export type LlmChatInput = Omit<ChatStep, 'signal'> & ToolSelection;

/**
 * One model call. Streams when it can, heartbeating the streamed size so a dead worker is
 * noticed quickly; provider errors become retryable or final ApplicationFailures.
 */
export function llmChatActivity(deps: ActivityDeps) {
  return async function llmChat(req: LlmChatInput): Promise<ChatStepResult> {
    const ctx = Context.current();
    const messages = await resolveMessages(deps.blobs, req.messages);
    let resolved;
    try {
      resolved = deps.resolveModel(req.settings.model ?? deps.llmDefaults.model);
    } catch (error) {
      // An unknown model or a missing key fails the turn at once instead of being retried.
      throw toApplicationFailure(error);
    }
    const { provider, model } = resolved;
    // As configured (`provider/model`), for the session log's usage record.
    const askedFor = req.settings.model ?? deps.llmDefaults.model;
    const lease = await keepSessionLease(deps, req.sessionId, req.turnId);
    let streamedChars = 0;
    const beat = keepAlive(() => ({ phase: 'llm', model, streamedChars }), deps.heartbeatIntervalMs);
    // Tokens go to the session's event stream, never into history; a retry says it starts over.
    const deltas = deps.events
      ? new DeltaStream(deps.events, { sessionId: req.sessionId, turnId: req.turnId, step: `llm-${req.iteration}`, attempt: ctx.info.attempt })
      : undefined;
    let response: LLMResponse;
    try {
      response = await provider.chat({
        ...withModelSettings(deps.llmDefaults, req.settings),
        messages,
        tools: deps.tools.definitions(req.excludeTools, req.onlyTools),
        model,
        signal: ctx.cancellationSignal,
        onDelta: (text) => {
          streamedChars += text.length;
          deltas?.push(text);
        },
      });
    } catch (error) {
      // The attempt decides the wording of the last failure ("gave up after …") and stops early
      // where nothing answers at all.
      const failure = toApplicationFailure(error, attemptOf(ctx.info));
      await deltas?.close();
      if (failure instanceof ApplicationFailure) {
        await deps.events?.publish(req.sessionId, { type: 'error', turnId: req.turnId, message: failure.message, retrying: !failure.nonRetryable });
      }
      throw failure;
    } finally {
      beat.stop();
      lease.stop();
    }
    await deltas?.close();
    const message = await storeMessages(deps.blobs, [assistantMessage(response, req.turnId, askedFor)]);
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
