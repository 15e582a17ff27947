import { randomUUID } from 'node:crypto';
import { commandOf, HELP_TEXT, replyText, stoppedText } from '../contract/commands.js';
import {
  isCancellation,
  modelSettingsOf,
  oneLine,
  runTurn,
  ToolRegistry,
  TurnCancelledError,
  type AnyTool,
  type Conversation,
  type LLMProvider,
  type ModelSettings,
  type TurnHooks,
  type TurnResult,
} from '../core/index.js';
import { logger as sharedLogger, scrubSecrets, type Logger } from '../logger.js';
import { abortReason, raceAbort } from './abortable.js';
import { sessionKeyOf, type Bus, type InboundMessage, type OutboundMessage } from './bus.js';
import { DirectExecutor, type DirectExecutorOptions } from './direct-executor.js';
import { BusClosedError, MessageBus } from './message-bus.js';

/**
 * An in-process tool that also holds work of its own beyond a call (e.g. background jobs):
 * `/stop` asks it to cancel that session's work and counts what it stopped.
 */
export interface StoppableTool extends AnyTool {
  cancelBySession(sessionId: string): Promise<number>;
}

function isStoppable(tool: AnyTool): tool is StoppableTool {
  return typeof (tool as Partial<StoppableTool>).cancelBySession === 'function';
}

/** The model settings (`model`, `temperature`, `maxTokens`, `reasoningEffort`) apply to every turn. */
export interface AgentLoopOptions extends ModelSettings {
  provider: LLMProvider;
  conversation: Conversation;
  /** The agent's tools; the `message` tool reaches chats through the loop's bus. */
  tools?: AnyTool[] | ToolRegistry;
  /** Defaults to a new in-process `MessageBus`. */
  bus?: Bus;
  /** Model calls per turn before the loop gives up (default 40). */
  maxIterations?: number;
  hooks?: TurnHooks;
  excludeTools?: string[];
  toolOutput?: DirectExecutorOptions['toolOutput'];
  logger?: Logger;
}

/** The answer to one message: the text to send ('' when a tool already answered) and the turn. */
export interface DirectReply {
  content: string;
  /** Absent for commands (`/new`, `/help`, `/stop`), which run no turn. */
  result?: TurnResult;
}

export interface ProcessOptions {
  /** Overrides the session key derived from the message. */
  sessionKey?: string;
  /** Overrides the loop's model for this turn. */
  model?: string;
  /** Cancels this turn (as `/stop` would). */
  signal?: AbortSignal;
}

/** One session's turns, run one after another. */
interface SessionQueue {
  tail: Promise<void>;
  /** Controllers of queued and running work, aborted by `/stop`. */
  active: Set<AbortController>;
}

/**
 * The in-process runtime: takes messages off the bus, runs `runTurn` for each with a
 * `DirectExecutor`, and puts the replies back on the bus. Turns of different sessions run in
 * parallel; turns of one session run strictly one after another. A failing turn becomes a
 * polite error reply; it never stops the loop.
 */
export class AgentLoop {
  readonly bus: Bus;
  readonly tools: ToolRegistry;
  readonly executor: DirectExecutor;
  private readonly opts: AgentLoopOptions;
  private readonly log: Logger;
  private readonly sessions = new Map<string, SessionQueue>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopController: AbortController | undefined;
  private runFinished: Promise<void> | undefined;

  constructor(opts: AgentLoopOptions) {
    this.opts = opts;
    this.log = (opts.logger ?? sharedLogger()).child({ component: 'agent-loop' });
    this.bus = opts.bus ?? new MessageBus();
    this.tools = opts.tools instanceof ToolRegistry ? opts.tools : new ToolRegistry(opts.tools ?? []);
    this.executor = new DirectExecutor({
      provider: opts.provider,
      conversation: opts.conversation,
      tools: this.tools,
      settings: modelSettingsOf(opts),
      deliver: (message) => this.bus.publishOutbound(message),
      excludeTools: opts.excludeTools,
      toolOutput: opts.toolOutput,
      logger: this.log,
    });
  }

  get running(): boolean {
    return this.stopController !== undefined;
  }

  /** Consumes the bus until `stop()` (or until the bus is closed). */
  async run(): Promise<void> {
    if (this.stopController) throw new Error('AgentLoop.run() is already running; call stop() before running it again.');
    const controller = new AbortController();
    this.stopController = controller;
    let finished!: () => void;
    this.runFinished = new Promise<void>((resolve) => (finished = resolve));
    this.log.info('agent loop started');
    try {
      for (;;) {
        let msg: InboundMessage;
        try {
          msg = await this.nextInbound(controller.signal);
        } catch (error) {
          if (controller.signal.aborted || error instanceof BusClosedError) break;
          throw error;
        }
        this.dispatch(msg);
      }
    } finally {
      this.stopController = undefined;
      finished();
      this.log.info('agent loop stopped');
    }
  }

  /**
   * Stops consuming the bus and waits for the turns already taken to finish (their replies are
   * still published). With `cancelRunning`, those turns are cancelled instead.
   */
  async stop(opts: { cancelRunning?: boolean } = {}): Promise<void> {
    this.stopController?.abort();
    if (opts.cancelRunning) {
      for (const queue of this.sessions.values()) abortAll(queue);
    }
    await this.runFinished;
    await this.idle();
  }

  /** Resolves once no turn is queued or running. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.sessions.size > 0) {
      await Promise.allSettled([...this.inFlight, ...[...this.sessions.values()].map((q) => q.tail)]);
    }
  }

  /**
   * Handles one message without the bus: commands are answered, anything else runs a turn in
   * the session's queue. Rejects when the turn fails (`TurnCancelledError` when it was stopped).
   */
  process(msg: InboundMessage, opts: ProcessOptions = {}): Promise<DirectReply> {
    const sessionKey = opts.sessionKey ?? sessionKeyOf(msg);
    const command = commandOf(msg.content);
    if (command === '/stop') return this.stopSession(sessionKey).then((content) => ({ content }));
    if (command === '/help') return Promise.resolve({ content: HELP_TEXT });
    return this.enqueue(sessionKey, opts.signal, (signal) => this.processNow(msg, sessionKey, signal, opts.model));
  }

  /** Cancels the session's queued and running turns and tools' work; returns how many were stopped. */
  async cancelSession(sessionKey: string): Promise<number> {
    const queue = this.sessions.get(sessionKey);
    let count = queue ? abortAll(queue) : 0;
    for (const tool of this.tools.all()) {
      if (!isStoppable(tool)) continue;
      try {
        count += await tool.cancelBySession(sessionKey);
      } catch (error) {
        this.log.warn({ err: error, tool: tool.name, sessionKey }, 'tool cancelBySession() failed');
      }
    }
    return count;
  }

  private async stopSession(sessionKey: string): Promise<string> {
    const count = await this.cancelSession(sessionKey);
    this.log.info({ sessionKey, stopped: count }, '/stop');
    return stoppedText(count);
  }

  private async processNow(
    msg: InboundMessage,
    sessionKey: string,
    signal: AbortSignal,
    model: string | undefined,
  ): Promise<DirectReply> {
    if (commandOf(msg.content) === '/new') {
      await this.executor.clear(sessionKey);
      this.log.info({ sessionKey }, '/new: session cleared');
      return { content: 'New session started.' };
    }
    const turnId = randomUUID();
    this.log.info({ sessionKey, turnId, channel: msg.channel }, 'turn started');
    const result = await runTurn(
      this.executor,
      {
        sessionId: sessionKey,
        turnId,
        message: msg.content,
        channel: msg.channel,
        chatId: msg.chatId,
        media: msg.media,
        messageId: platformMessageId(msg),
        settings: model ? { model } : undefined,
        maxIterations: this.opts.maxIterations,
        signal,
      },
      this.opts.hooks,
    );
    this.log.info(
      { sessionKey, turnId, iterations: result.iterations, stopReason: result.stopReason, tools: result.toolsUsed },
      'turn finished',
    );
    return { content: replyText(result), result };
  }

  /** Runs `work` after everything already queued for the session; `/stop` aborts its signal. */
  private enqueue<T>(
    sessionKey: string,
    external: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    let queue = this.sessions.get(sessionKey);
    if (!queue) {
      queue = { tail: Promise.resolve(), active: new Set() };
      this.sessions.set(sessionKey, queue);
    }
    const current = queue;
    const controller = new AbortController();
    const forward = (): void => controller.abort(new TurnCancelledError());
    if (external?.aborted) forward();
    else external?.addEventListener('abort', forward, { once: true });
    current.active.add(controller);

    const result = current.tail.then(async () => {
      const { signal } = controller;
      if (signal.aborted) throw cancelled(signal);
      try {
        return await work(signal);
      } catch (error) {
        throw signal.aborted ? cancelled(signal, error) : error;
      }
    });
    const settled: Promise<void> = result.then(
      () => this.release(sessionKey, current, controller, settled, external, forward),
      () => this.release(sessionKey, current, controller, settled, external, forward),
    );
    current.tail = settled;
    return result;
  }

  private release(
    sessionKey: string,
    queue: SessionQueue,
    controller: AbortController,
    settled: Promise<void>,
    external: AbortSignal | undefined,
    forward: () => void,
  ): void {
    external?.removeEventListener('abort', forward);
    queue.active.delete(controller);
    if (queue.tail === settled && this.sessions.get(sessionKey) === queue) this.sessions.delete(sessionKey);
  }

  private dispatch(msg: InboundMessage): void {
    const handled = this.handleBusMessage(msg);
    this.inFlight.add(handled);
    void handled.finally(() => this.inFlight.delete(handled));
  }

  /** Never rejects: every failure becomes a reply or a log line. */
  private async handleBusMessage(msg: InboundMessage): Promise<void> {
    let content: string;
    try {
      content = (await this.process(msg)).content;
    } catch (error) {
      if (isCancellation(error)) {
        this.log.info({ sessionKey: sessionKeyOf(msg) }, 'turn cancelled');
        return;
      }
      this.log.error({ err: error, sessionKey: sessionKeyOf(msg) }, 'turn failed');
      content = errorReply(error);
    }
    if (!content) return;
    await this.publish({ channel: msg.channel, chatId: msg.chatId, content, metadata: msg.metadata });
  }

  private async publish(msg: OutboundMessage): Promise<void> {
    try {
      await this.bus.publishOutbound(msg);
    } catch (error) {
      this.log.error({ err: error, channel: msg.channel }, 'could not publish a reply');
    }
  }

  private nextInbound(signal: AbortSignal): Promise<InboundMessage> {
    // MessageBus accepts a signal; any other Bus is raced against it.
    const consume = this.bus.consumeInbound as (signal?: AbortSignal) => Promise<InboundMessage>;
    return raceAbort(consume.call(this.bus, signal), signal);
  }
}

/** The platform's id of an inbound message, when its channel gave one (replies may quote it). */
function platformMessageId(msg: InboundMessage): string | undefined {
  const id = msg.metadata?.messageId ?? msg.metadata?.message_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

function abortAll(queue: SessionQueue): number {
  let count = 0;
  for (const controller of queue.active) {
    if (controller.signal.aborted) continue;
    controller.abort(new TurnCancelledError('The turn was stopped with /stop.'));
    count += 1;
  }
  return count;
}

/** The cancellation a stopped turn rejects with, whatever the interrupted step threw. */
function cancelled(signal: AbortSignal, cause?: unknown): Error {
  const reason = abortReason(signal);
  if (isCancellation(reason)) return reason;
  return new TurnCancelledError(cause instanceof Error ? `The turn was cancelled: ${cause.message}` : undefined);
}

function errorReply(error: unknown): string {
  const detail = scrubSecrets(oneLine(error instanceof Error ? error.message : String(error), 200));
  return `Sorry, something went wrong while handling your message (${detail}). Please try again; if it keeps failing, check the agent's logs.`;
}
