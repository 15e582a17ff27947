import type { AbortSignalLike } from './abort.js';
import { isCancellation, isContextOverflow, TurnCancelledError } from './errors.js';
import { toolResultMessage, type Executor, type ToolStepResult, type TurnMessage } from './executor.js';
import { hasToolCalls } from './llm-provider.js';
import { addUsage, ZERO_USAGE, type Message, type MessageHandle, type ToolCall, type Usage } from './messages.js';
import type { ModelSettings } from './model-settings.js';
import { oneLine, stripThink } from './text.js';
import type { PreToolDecision, ToolDecisionRecord } from './tool-hooks.js';
import { ERROR_HINT } from './tool-registry.js';

export const DEFAULT_MAX_ITERATIONS = 40;
/** How many times one turn may ask `onContextOverflow` for a smaller prompt. */
const MAX_OVERFLOW_RECOVERIES = 2;

export interface TurnInput extends TurnMessage {
  /** The platform id of the message (replies may quote it). */
  messageId?: string;
  /** How to call the model; unset fields default from the executor's environment. */
  settings?: ModelSettings;
  maxIterations?: number;
  signal?: AbortSignalLike;
}

export type TurnStopReason = 'completed' | 'max_iterations' | 'llm_error';

export interface TurnResult {
  finalContent: string;
  toolsUsed: string[];
  iterations: number;
  usage: Usage;
  stopReason: TurnStopReason;
  /** A tool (e.g. `message`) already answered the chat: do not send `finalContent` as well. */
  suppressReply: boolean;
  /** What was recorded: the user message, then the turn's assistant and tool messages. */
  newMessages: MessageHandle[];
}

export type TurnProgress =
  | { phase: 'prompt' }
  | { phase: 'llm'; iteration: number }
  | { phase: 'tools'; iteration: number; tools: { name: string; firstArg: string }[] }
  | { phase: 'record' };

interface HookContext {
  sessionId: string;
  turnId: string;
  channel?: string;
  chatId?: string;
}

/** What `onPreTool` may answer: a string denies (the old form); a decision may also rewrite or record who allowed. */
export type PreToolHookResult = string | (PreToolDecision & { record?: ToolDecisionRecord }) | null | undefined;

/** Lifecycle hooks. All optional; they run where the loop runs (in-process or in the workflow). */
export interface TurnHooks {
  /** Its text is appended to the system prompt. */
  onPreContext?(ctx: HookContext & { message: string }): string | null | undefined | Promise<string | null | undefined>;
  /**
   * A non-empty string (or a `deny` decision) rejects the call: its text is fed back to the model
   * as the tool result. `rewrite` runs the call with other arguments. The loop cannot wait for a
   * person: `ask` is denied here, and durable workflows resolve it before answering.
   */
  onPreTool?(
    ctx: HookContext & { name: string; args: Record<string, unknown>; toolCallId: string },
  ): PreToolHookResult | Promise<PreToolHookResult>;
  /** After the turn is recorded. Fire-and-forget: its failure never fails the turn. */
  onPostTurn?(ctx: HookContext & { result: TurnResult }): void | Promise<void>;
  /** When the iteration limit ends a turn. Fire-and-forget. */
  onMaxIterations?(ctx: HookContext & { iterations: number }): void | Promise<void>;
  /** The prompt no longer fits: return a smaller transcript to retry with, or null to give up. */
  onContextOverflow?(
    ctx: HookContext & { messages: MessageHandle[]; error: unknown; attempt: number },
  ): MessageHandle[] | null | undefined | Promise<MessageHandle[] | null | undefined>;
  /** Where the turn is, for status displays. */
  onProgress?(progress: TurnProgress): void;
}

export function maxIterationsMessage(limit: number): string {
  return (
    `I stopped after reaching the limit of ${limit} tool-call iterations without finishing the task. ` +
    'Ask me to continue, or break the task into smaller steps.'
  );
}

export function llmErrorMessage(detail: string | null): string {
  const suffix = detail ? ` (${oneLine(detail, 200)})` : '';
  return `Sorry, the AI model returned an error and could not answer${suffix}. Please try again.`;
}

/**
 * The agent loop: build the prompt, then call the model and run the tools it asks for until it
 * answers without tools or the iteration limit is reached; then record the turn.
 * Deterministic and free of I/O of its own: every effect goes through the executor, so the
 * same function runs in-process and inside a Temporal workflow.
 */
export async function runTurn(executor: Executor, input: TurnInput, hooks: TurnHooks = {}): Promise<TurnResult> {
  const where: HookContext = { sessionId: input.sessionId, turnId: input.turnId, channel: input.channel, chatId: input.chatId };
  const progress = (p: TurnProgress): void => hooks.onProgress?.(p);
  const checkCancelled = (): void => {
    if (input.signal?.aborted) throw new TurnCancelledError();
  };

  progress({ phase: 'prompt' });
  const extraContext = await hooks.onPreContext?.({ ...where, message: input.message });
  let prompt = await executor.buildPrompt({
    sessionId: input.sessionId,
    turnId: input.turnId,
    message: input.message,
    channel: input.channel,
    chatId: input.chatId,
    media: input.media,
    pluginContext: input.pluginContext,
    extraContext: extraContext ? [extraContext] : undefined,
  });

  const maxIterations = input.maxIterations ?? executor.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  const turnMessages: MessageHandle[] = [];
  const toolsUsed: string[] = [];
  let usage: Usage = ZERO_USAGE;
  let iterations = 0;
  let overflowRecoveries = 0;
  let suppressReply = false;
  let finalContent: string | undefined;
  let stopReason: TurnStopReason = 'completed';

  while (iterations < maxIterations) {
    checkCancelled();
    iterations += 1;
    progress({ phase: 'llm', iteration: iterations });
    let step;
    try {
      step = await executor.chat({
        sessionId: input.sessionId,
        turnId: input.turnId,
        iteration: iterations,
        messages: [...prompt, ...turnMessages],
        settings: input.settings ?? {},
        signal: input.signal,
      });
    } catch (error) {
      const smaller =
        isContextOverflow(error) && overflowRecoveries < MAX_OVERFLOW_RECOVERIES
          ? await hooks.onContextOverflow?.({ ...where, messages: prompt, error, attempt: overflowRecoveries + 1 })
          : undefined;
      if (!smaller) throw error;
      overflowRecoveries += 1;
      prompt = smaller;
      iterations -= 1;
      continue;
    }
    // A stopped turn neither records nor replies, even if the model answered anyway.
    checkCancelled();
    const { response } = step;
    usage = addUsage(usage, response.usage);

    if (response.finishReason === 'error') {
      finalContent = llmErrorMessage(response.content);
      stopReason = 'llm_error';
      break;
    }
    turnMessages.push(step.message);
    if (!hasToolCalls(response)) {
      finalContent = stripThink(response.content);
      break;
    }

    checkCancelled();
    progress({
      phase: 'tools',
      iteration: iterations,
      tools: response.toolCalls.map((call) => ({ name: call.name, firstArg: firstArgument(call) })),
    });
    // Concurrent, but appended in call order so the transcript is deterministic.
    const results = await Promise.all(response.toolCalls.map((call) => runTool(call, iterations)));
    for (const [i, result] of results.entries()) {
      turnMessages.push(result.message);
      toolsUsed.push(response.toolCalls[i]!.name);
      if (result.replied) suppressReply = true;
    }
  }

  if (finalContent === undefined) {
    finalContent = maxIterationsMessage(maxIterations);
    stopReason = 'max_iterations';
    turnMessages.push({ role: 'assistant', content: finalContent, turnId: input.turnId });
    fireAndForget(() => hooks.onMaxIterations?.({ ...where, iterations }));
  }

  progress({ phase: 'record' });
  const userMessage: Message = { role: 'user', content: input.message, turnId: input.turnId };
  const newMessages: MessageHandle[] = [userMessage, ...turnMessages];
  await executor.record({ sessionId: input.sessionId, turnId: input.turnId, messages: newMessages });

  const result: TurnResult = { finalContent, toolsUsed, iterations, usage, stopReason, suppressReply, newMessages };
  fireAndForget(() => hooks.onPostTurn?.({ ...where, result }));
  return result;

  async function runTool(asked: ToolCall, iteration: number): Promise<ToolStepResult> {
    const verdict = await hooks.onPreTool?.({ ...where, name: asked.name, args: asked.arguments, toolCallId: asked.id });
    const decision = typeof verdict === 'string' ? (verdict ? { action: 'deny' as const, reason: verdict } : undefined) : (verdict ?? undefined);
    if (decision?.action === 'deny') return rejected(asked, decision.reason || `Tool call ${asked.name} was denied.`, decision.record);
    if (decision?.action === 'ask') {
      return rejected(asked, `Tool call ${asked.name} needs a person's approval, which this runtime cannot ask for.`, decision.record);
    }
    const call = decision?.action === 'rewrite' ? { ...asked, arguments: decision.args } : asked;
    try {
      return await executor.executeTool({
        sessionId: input.sessionId,
        turnId: input.turnId,
        iteration,
        call,
        ...(decision?.record ? { decision: decision.record } : {}),
        channel: input.channel,
        chatId: input.chatId,
        messageId: input.messageId,
        pluginContext: input.pluginContext,
        signal: input.signal,
      });
    } catch (error) {
      // The executor itself failed (e.g. retries exhausted): the model hears about it; the turn goes on.
      if (isCancellation(error) || input.signal?.aborted) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      return rejected(call, `Error executing ${call.name}: ${detail}${ERROR_HINT}`);
    }
  }

  function rejected(call: ToolCall, text: string, record?: ToolDecisionRecord): ToolStepResult {
    return { message: toolResultMessage(call, text, input.turnId, record), isError: true, preview: oneLine(text, 200) };
  }
}

function firstArgument(call: ToolCall): string {
  const first = Object.values(call.arguments)[0];
  return first === undefined ? '' : oneLine(first, 60);
}

/** Runs a hook whose failure must not fail the turn (sync throw or rejected promise). */
function fireAndForget(hook: () => void | Promise<void> | undefined): void {
  try {
    const result = hook();
    if (result && typeof result.then === 'function') result.then(undefined, () => undefined);
  } catch {
    // deliberately ignored: fire-and-forget
  }
}
