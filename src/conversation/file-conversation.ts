import type { BuildPromptOptions, Conversation, SessionInfo } from '../core/conversation.js';
import type { LLMProvider } from '../core/llm-provider.js';
import type { Message } from '../core/messages.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { ContextBuilder, DEFAULT_MEMORY_WINDOW, type PromptHistory } from './context-builder.js';
import type { FileLockOptions } from './file-lock.js';
import { cleanHistory } from './history.js';
import { MemoryConsolidator, type ConsolidationResult } from './memory-consolidation.js';
import type { StoredMessage } from './session-records.js';
import { SessionStore } from './session-store.js';
import { defaultStateDir } from '../storage/state-root.js';

export interface FileConversationOptions {
  /** The agent's workspace: identity files, memory, skills, media. */
  workspace: string;
  /** The runtime's state root, apart from the workspace: session logs and locks (default `<workspace>.state`). */
  stateDir?: string;
  /** Enables memory consolidation. */
  provider?: LLMProvider;
  /** Model for consolidation (default: the provider's default). */
  model?: string;
  /** History messages per prompt, and the consolidation threshold (default 100). */
  memoryWindow?: number;
  /** Estimated tokens a prompt may use (default 100 000). */
  tokenBudget?: number;
  /** Consolidate in the background after `record()` (default: true when a provider is set). */
  autoConsolidate?: boolean;
  /** Summarise what is left before `clear()` archives a session (default true when a provider is set). */
  consolidateOnClear?: boolean;
  /** IANA zone for the runtime context. */
  timezone?: string;
  agentName?: string;
  maxImageBytes?: number;
  /** Session lock tuning (defaults: wait 30 s, stale after 10 s without a refresh). */
  lock?: FileLockOptions;
  /** fdatasync each append (default true). */
  fsync?: boolean;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Conversation history in JSONL files in the shared state root (apart from the agent's workspace).
 * `sessions/<safe-id>.jsonl` holds a header line and then one message per line; turns are
 * recorded idempotently under a per-session lock, so a retried activity or a second writer
 * (another instance, another process, another host) never duplicates or interleaves messages.
 */
export class FileConversation implements Conversation {
  readonly store: SessionStore;
  readonly consolidator: MemoryConsolidator;
  readonly context: ContextBuilder;
  private readonly pending = new Map<string, Promise<ConsolidationResult>>();
  private readonly autoConsolidate: boolean;

  constructor(private readonly opts: FileConversationOptions) {
    const now = opts.now ?? (() => new Date());
    const memoryWindow = opts.memoryWindow ?? DEFAULT_MEMORY_WINDOW;
    const stateDir = opts.stateDir ?? defaultStateDir(opts.workspace);
    this.store = new SessionStore(stateDir, { lock: opts.lock, fsync: opts.fsync, logger: opts.logger, now });
    this.consolidator = new MemoryConsolidator(this.store, {
      workspace: opts.workspace,
      stateDir,
      provider: opts.provider,
      model: opts.model,
      memoryWindow,
      logger: opts.logger,
      now,
    });
    this.context = new ContextBuilder(
      {
        workspace: opts.workspace,
        agentName: opts.agentName,
        timezone: opts.timezone,
        memoryWindow,
        tokenBudget: opts.tokenBudget,
        maxImageBytes: opts.maxImageBytes,
        now,
        logger: opts.logger,
      },
      { promptHistory: (sessionId) => this.promptHistory(sessionId) },
    );
    this.autoConsolidate = (opts.autoConsolidate ?? true) && opts.provider !== undefined;
  }

  private get log(): Logger {
    return this.opts.logger ?? sharedLogger();
  }

  get workspace(): string {
    return this.opts.workspace;
  }

  buildPrompt(sessionId: string, message: string, opts: BuildPromptOptions = {}): Promise<Message[]> {
    return this.context.buildPrompt(sessionId, message, opts);
  }

  /**
   * Appends the turn (user message first). Idempotent per `turnId`; a tool call is never
   * stored without its result. May start a background consolidation (see `whenIdle`).
   */
  async record(sessionId: string, turnId: string, messages: Message[]): Promise<void> {
    const { total } = await this.store.appendTurn(sessionId, turnId, messages);
    if (this.autoConsolidate && !this.pending.has(sessionId)) {
      const meta = await this.store.readMeta(sessionId);
      if (total - meta.lastConsolidated > this.consolidator.memoryWindow) this.startBackground(sessionId);
    }
  }

  /** Summarises one chunk now if the session needs it. Waits for a background run first. */
  async consolidate(sessionId: string): Promise<ConsolidationResult> {
    await this.pending.get(sessionId)?.catch(() => undefined);
    return this.consolidator.consolidate(sessionId);
  }

  /** The background consolidation running for a session, if any. */
  pendingConsolidation(sessionId: string): Promise<ConsolidationResult> | undefined {
    return this.pending.get(sessionId);
  }

  /** Resolves when no background consolidation is running. */
  async whenIdle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()]);
  }

  /**
   * Starts the session afresh (`/new`). With a provider, what is left of the history is
   * summarised into memory first. The old file is moved to `sessions/archive/`, not deleted.
   * Returns false when there was no session to clear.
   */
  async clear(sessionId: string): Promise<boolean> {
    await this.pending.get(sessionId)?.catch(() => undefined);
    const consolidate = this.consolidator.enabled && (this.opts.consolidateOnClear ?? true);
    if (!consolidate) return this.store.withLock(sessionId, () => this.store.archive(sessionId));
    return this.consolidator.withLock(async () => {
      for (let round = 0; round < 1_000; round++) {
        const result = await this.consolidator.consolidateLocked(sessionId, { all: true });
        if (result.status !== 'consolidated') break;
      }
      return this.store.withLock(sessionId, () => this.store.archive(sessionId));
    });
  }

  listSessions(): Promise<SessionInfo[]> {
    return this.store.list();
  }

  /** Every stored message of a session, in file order, with timestamps and turn ids. */
  async messages(sessionId: string): Promise<StoredMessage[]> {
    return (await this.store.read(sessionId)).messages;
  }

  /** Where a session's file lives. */
  sessionPath(sessionId: string): string {
    return this.store.filePath(sessionId);
  }

  /** Unsummarised, repaired history and the rolling summary (before window and budget). */
  async promptHistory(sessionId: string): Promise<PromptHistory> {
    const [snapshot, meta] = await Promise.all([this.store.read(sessionId), this.store.readMeta(sessionId)]);
    const pointer = Math.min(meta.lastConsolidated, snapshot.messages.length);
    const messages: Message[] = cleanHistory(snapshot.messages.slice(pointer));
    const history: PromptHistory = { messages };
    if (meta.summaries.length > 0) history.summary = meta.summaries.join('\n\n');
    return history;
  }

  private startBackground(sessionId: string): void {
    const run = (async (): Promise<ConsolidationResult> => {
      let result = await this.consolidator.consolidate(sessionId);
      // Catch up a session that is several chunks behind, one chunk per LLM call.
      for (let round = 1; round < 10 && result.status === 'consolidated'; round++) {
        const next = await this.consolidator.consolidate(sessionId);
        if (next.status !== 'consolidated') break;
        result = next;
      }
      return result;
    })();
    const tracked = run
      .catch((error: unknown): ConsolidationResult => {
        this.log.warn({ sessionId, err: error }, 'Background memory consolidation failed; it will be retried after the next turn.');
        return { status: 'failed', sessionId, lastConsolidated: 0, error: error instanceof Error ? error.message : String(error) };
      })
      .finally(() => {
        if (this.pending.get(sessionId) === tracked) this.pending.delete(sessionId);
      });
    this.pending.set(sessionId, tracked);
  }
}
