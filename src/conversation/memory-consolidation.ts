import { join } from 'node:path';
import { z } from 'zod';
import type { ChatRequest, LLMProvider, ToolDefinition } from '../core/llm-provider.js';
import { contentText, type Message } from '../core/messages.js';
import { headTail, oneLine } from '../core/text.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { ConsolidationError } from './errors.js';
import { withFileLock } from './file-lock.js';
import { appendHistoryEntry, readLongTermMemory, writeLongTermMemory } from './memory-files.js';
import type { SessionStore } from './session-store.js';
import type { StoredMessage } from './session-records.js';

/**
 * Memory consolidation: when a session's unsummarised history outgrows the memory window,
 * the oldest chunk is summarised by the LLM through a forced `save_memory` tool call. The
 * summary is appended to memory/HISTORY.md, memory/MEMORY.md is replaced with the model's
 * updated facts, and the session's `lastConsolidated` pointer moves past the chunk so the
 * chunk is never summarised twice. A workspace-wide lock serialises consolidations (they
 * all rewrite MEMORY.md); the pointer is re-read under it, so concurrent runs are idempotent.
 */

export const SAVE_MEMORY_TOOL: ToolDefinition = {
  name: 'save_memory',
  description: 'Save the result of consolidating the conversation into long-term memory.',
  parameters: {
    type: 'object',
    properties: {
      history_entry: {
        type: 'string',
        description:
          'A short paragraph (2-5 sentences) recording what happened: topics, decisions, results. ' +
          'Include names, files and other details someone could search for later.',
      },
      memory_update: {
        type: 'string',
        description:
          'The complete new long-term memory as Markdown: every still-valid fact from the current memory ' +
          'plus new lasting facts. Return the current memory unchanged when there is nothing new.',
      },
    },
    required: ['history_entry', 'memory_update'],
  },
};

const CONSOLIDATION_SYSTEM_PROMPT =
  "You maintain an AI assistant's long-term memory. Read the conversation below and call the " +
  'save_memory tool exactly once. Keep durable facts (the user\'s preferences, names, decisions, ' +
  'ongoing work); leave out small talk and details that only mattered in the moment.';

const stringish = z.preprocess((value) => (typeof value === 'string' || value == null ? value : JSON.stringify(value)), z.string());
const SaveMemoryArgs = z.object({ history_entry: stringish.pipe(z.string().trim().min(1)), memory_update: stringish });

export type ConsolidationResult =
  | {
      status: 'consolidated';
      sessionId: string;
      /** How many stored messages the chunk had. */
      messagesConsolidated: number;
      /** The pointer after this run: messages before it are summarised. */
      lastConsolidated: number;
      historyEntry: string;
    }
  | { status: 'nothing_to_do'; sessionId: string; lastConsolidated: number }
  | { status: 'no_provider'; sessionId: string }
  | { status: 'failed'; sessionId: string; lastConsolidated: number; error: string };

export interface MemoryConsolidatorOptions {
  /** The agent's workspace, where memory/MEMORY.md and memory/HISTORY.md live. */
  workspace: string;
  /** The runtime's state root: the consolidation lock lives there, out of the agent's reach. */
  stateDir: string;
  provider?: LLMProvider;
  /** Model for summarising (default: the provider's default model). */
  model?: string;
  /** Consolidate when more than this many messages are unsummarised (default 100). */
  memoryWindow?: number;
  /** Most messages summarised in one LLM call (default: the memory window). */
  maxChunkMessages?: number;
  /** Recent history entries kept as the rolling summary shown before a session's history (default 5). */
  maxSummaries?: number;
  maxTokens?: number;
  temperature?: number;
  /** How long to wait for another consolidation to finish (default 10 minutes). */
  lockTimeoutMs?: number;
  logger?: Logger;
  now?: () => Date;
}

/**
 * The index (exclusive) where the next chunk ends, or undefined when nothing should be
 * summarised. Chunks start at `pointer`, end at a turn boundary (a user message) so a tool
 * call is never separated from its result, and leave the newest half-window unsummarised
 * unless `all` is set.
 */
export function selectChunkEnd(
  messages: readonly Message[],
  pointer: number,
  opts: { memoryWindow: number; all?: boolean; maxChunkMessages?: number },
): number | undefined {
  const total = messages.length;
  const pending = total - pointer;
  if (pending <= 0) return undefined;
  if (!opts.all && pending <= opts.memoryWindow) return undefined;
  const keep = opts.all ? 0 : Math.floor(opts.memoryWindow / 2);
  const maxChunk = Math.max(1, opts.maxChunkMessages ?? opts.memoryWindow);
  const end = Math.min(total - keep, pointer + maxChunk);
  if (end >= total) return total;
  for (let back = end; back > pointer; back--) if (messages[back]!.role === 'user') return back;
  for (let forward = end; forward < total; forward++) if (messages[forward]!.role === 'user') return forward;
  return total;
}

/** The chunk as plain lines for the summarising model (long outputs shortened). */
export function formatForConsolidation(messages: readonly StoredMessage[]): string {
  const lines: string[] = [];
  for (const message of messages) {
    const when = message.timestamp ? `[${message.timestamp.slice(0, 16).replace('T', ' ')}] ` : '';
    const text = contentText(message.content).trim();
    if (message.role === 'tool') {
      lines.push(`${when}TOOL RESULT (${message.name ?? 'tool'}): ${headTail(text, 600)}`);
      continue;
    }
    const calls = message.toolCalls?.map((call) => `${call.name}(${oneLine(call.arguments, 80)})`) ?? [];
    if (text === '' && calls.length === 0) continue;
    const called = calls.length > 0 ? ` [called ${calls.join(', ')}]` : '';
    lines.push(`${when}${message.role.toUpperCase()}${called}: ${headTail(text, 2_000)}`);
  }
  return lines.join('\n');
}

export class MemoryConsolidator {
  private readonly now: () => Date;

  constructor(
    private readonly store: SessionStore,
    private readonly opts: MemoryConsolidatorOptions,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  get enabled(): boolean {
    return this.opts.provider !== undefined;
  }

  get memoryWindow(): number {
    return this.opts.memoryWindow ?? 100;
  }

  private get log(): Logger {
    return this.opts.logger ?? sharedLogger();
  }

  /** Runs `fn` holding the workspace's consolidation lock. */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(join(this.opts.stateDir, 'locks', 'consolidation.lock'), fn, {
      timeoutMs: this.opts.lockTimeoutMs ?? 10 * 60_000,
      staleMs: 30_000,
    });
  }

  /** Summarises one chunk if the session needs it (or, with `all`, whatever is left). */
  consolidate(sessionId: string, opts: { all?: boolean } = {}): Promise<ConsolidationResult> {
    if (!this.opts.provider) return Promise.resolve({ status: 'no_provider', sessionId });
    return this.withLock(() => this.consolidateLocked(sessionId, opts));
  }

  /** `consolidate` for a caller that already holds the consolidation lock. */
  async consolidateLocked(sessionId: string, opts: { all?: boolean } = {}): Promise<ConsolidationResult> {
    const provider = this.opts.provider;
    if (!provider) return { status: 'no_provider', sessionId };
    const snapshot = await this.store.read(sessionId);
    const meta = await this.store.readMeta(sessionId);
    const pointer = Math.min(meta.lastConsolidated, snapshot.messages.length);
    const end = selectChunkEnd(snapshot.messages, pointer, {
      memoryWindow: this.memoryWindow,
      all: opts.all,
      maxChunkMessages: this.opts.maxChunkMessages,
    });
    if (end === undefined) return { status: 'nothing_to_do', sessionId, lastConsolidated: pointer };
    const chunk = snapshot.messages.slice(pointer, end);

    const memory = await readLongTermMemory(this.opts.workspace);
    if (memory.skipped) {
      // Never overwrite what the agent put there instead of a plain file; say so and wait.
      const error = `memory/MEMORY.md was not read: ${memory.skipped}`;
      this.log.warn({ sessionId }, `Memory consolidation skipped: ${error}. Make it a plain file again.`);
      return { status: 'failed', sessionId, lastConsolidated: pointer, error };
    }
    const currentMemory = memory.text;
    let args: z.output<typeof SaveMemoryArgs>;
    try {
      args = await this.summarise(provider, chunk, currentMemory);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.log.warn(
        { sessionId, err: error, messages: chunk.length },
        'Memory consolidation failed; the messages stay in the session and will be summarised next time.',
      );
      return { status: 'failed', sessionId, lastConsolidated: pointer, error: detail };
    }

    const at = this.now();
    const historyEntry = await appendHistoryEntry(this.opts.workspace, args.history_entry, at);
    const update = args.memory_update.trim();
    if (update === '' && currentMemory.trim() !== '') {
      this.log.warn({ sessionId }, 'The model returned an empty memory update; MEMORY.md was kept as it was.');
    } else if (update !== currentMemory.trim()) {
      await writeLongTermMemory(this.opts.workspace, update);
    }
    const summaries = [...meta.summaries, historyEntry].slice(-(this.opts.maxSummaries ?? 5));
    await this.store.writeMeta(sessionId, { ...meta, lastConsolidated: end, summaries });
    this.log.info({ sessionId, messages: chunk.length, lastConsolidated: end }, 'Consolidated session history into memory.');
    return { status: 'consolidated', sessionId, messagesConsolidated: chunk.length, lastConsolidated: end, historyEntry };
  }

  private async summarise(
    provider: LLMProvider,
    chunk: readonly StoredMessage[],
    currentMemory: string,
  ): Promise<z.output<typeof SaveMemoryArgs>> {
    const request: ChatRequest = {
      model: this.opts.model ?? provider.defaultModel(),
      messages: [
        { role: 'system', content: CONSOLIDATION_SYSTEM_PROMPT },
        {
          role: 'user',
          content:
            `## Current long-term memory\n${currentMemory.trim() || '(empty)'}\n\n` +
            `## Conversation to consolidate\n${formatForConsolidation(chunk)}`,
        },
      ],
      tools: [SAVE_MEMORY_TOOL],
      toolChoice: { name: SAVE_MEMORY_TOOL.name },
    };
    if (this.opts.maxTokens !== undefined) request.maxTokens = this.opts.maxTokens;
    if (this.opts.temperature !== undefined) request.temperature = this.opts.temperature;
    const response = await provider.chat(request);
    const call = response.toolCalls.find((c) => c.name === SAVE_MEMORY_TOOL.name);
    if (!call) throw new ConsolidationError('The model did not call save_memory.');
    if (call.argumentsError) throw new ConsolidationError(`save_memory arguments were unusable: ${call.argumentsError}`);
    const parsed = SaveMemoryArgs.safeParse(call.arguments);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new ConsolidationError(`save_memory arguments were invalid (${problems}).`);
    }
    return parsed.data;
  }
}
