import {
  assistantMessage,
  isMessageRef,
  oneLine,
  toolResultMessage,
  modelSettingsOf,
  withModelSettings,
  type BuildPromptStep,
  type ChatRequest,
  type ChatStep,
  type ChatStepResult,
  type Conversation,
  type Executor,
  type LLMProvider,
  type Message,
  type MessageHandle,
  type RecordStep,
  type ToolCall,
  type ToolRegistry,
  type Delivery,
  type ModelSettings,
  type ToolStep,
  type ToolStepResult,
} from '../core/index.js';
import { logger as sharedLogger, type Logger } from '../logger.js';

/** What a `toolOutput` transform knows about the result it may shrink or store. */
export interface ToolOutputContext {
  sessionId: string;
  turnId: string;
  call: ToolCall;
  isError: boolean;
}

export interface DirectExecutorOptions {
  provider: LLMProvider;
  conversation: Conversation;
  tools: ToolRegistry;
  /** Settings for turns that name none (the model defaults to the provider's default model). */
  settings?: ModelSettings;
  /** Tools the model is not offered (e.g. no `spawn` inside a subagent). */
  excludeTools?: string[];
  /** How the `message` tool reaches chats (the in-process loop publishes to its bus). */
  deliver?: (message: Delivery) => Promise<void>;
  /** Rewrites a tool result before the model sees it (e.g. store a large output, keep a preview). */
  toolOutput?: (result: string, ctx: ToolOutputContext) => Promise<string> | string;
  logger?: Logger;
}

const PREVIEW_CHARS = 200;

/**
 * The in-process executor: every step runs inline, with plain `Message` objects.
 * No retries, no timeouts of its own: the provider and tools decide.
 */
export class DirectExecutor implements Executor {
  private readonly opts: DirectExecutorOptions;
  private readonly log: Logger;

  constructor(opts: DirectExecutorOptions) {
    this.opts = opts;
    this.log = (opts.logger ?? sharedLogger()).child({ component: 'direct-executor' });
  }

  get tools(): ToolRegistry {
    return this.opts.tools;
  }

  async buildPrompt(req: BuildPromptStep): Promise<MessageHandle[]> {
    const toolContext = await this.opts.tools.systemContexts((tool, error) =>
      this.log.warn({ err: error, tool }, 'tool systemContext() failed; its section is left out'),
    );
    const pluginContext = [...toolContext, ...(req.pluginContext ?? []), ...(req.extraContext ?? [])];
    return this.opts.conversation.buildPrompt(req.sessionId, req.message, {
      channel: req.channel,
      chatId: req.chatId,
      media: req.media,
      pluginContext,
    });
  }

  async chat(req: ChatStep): Promise<ChatStepResult> {
    const settings = withModelSettings(modelSettingsOf(this.opts.settings ?? {}), req.settings);
    const request: ChatRequest = {
      ...settings,
      messages: req.messages.map(plainMessage),
      tools: this.opts.tools.definitions(this.opts.excludeTools),
      model: settings.model ?? this.opts.provider.defaultModel(),
    };
    if (req.signal) request.signal = req.signal;
    const response = await this.opts.provider.chat(request);
    return { response, message: assistantMessage(response, req.turnId, settings.model ?? response.model) };
  }

  async executeTool(req: ToolStep): Promise<ToolStepResult> {
    const { call } = req;
    const outcome = await this.opts.tools.execute(call, {
      sessionId: req.sessionId,
      channel: req.channel,
      chatId: req.chatId,
      messageId: req.messageId,
      turnId: req.turnId,
      toolCallId: call.id,
      ...(req.pluginContext ? { pluginContext: req.pluginContext } : {}),
      signal: req.signal,
      deliver: this.opts.deliver,
    });
    const result = this.opts.toolOutput
      ? await this.opts.toolOutput(outcome.output, {
          sessionId: req.sessionId,
          turnId: req.turnId,
          call,
          isError: outcome.isError,
        })
      : outcome.output;
    return {
      message: toolResultMessage(call, result, req.turnId, req.decision),
      isError: outcome.isError,
      preview: oneLine(result, PREVIEW_CHARS),
      replied: outcome.replied,
    };
  }

  async record(req: RecordStep): Promise<void> {
    await this.opts.conversation.record(req.sessionId, req.turnId, req.messages.map(plainMessage));
  }

  async clear(sessionId: string): Promise<boolean> {
    return this.opts.conversation.clear(sessionId);
  }
}

function plainMessage(handle: MessageHandle): Message {
  if (isMessageRef(handle)) {
    throw new TypeError(
      `DirectExecutor got a message reference (${handle.ref}); it only handles plain messages. ` +
        'References belong to the durable executor.',
    );
  }
  return handle;
}
