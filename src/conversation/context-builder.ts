import type { BuildPromptOptions } from '../core/conversation.js';
import type { Message } from '../core/messages.js';
import { headTail } from '../core/text.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { readWorkspaceText } from '../workspace/workspace-text.js';
import { applyMemoryWindow, estimateTokens, fitTokenBudget } from './history.js';
import { loadMedia, userContent, DEFAULT_MAX_IMAGE_BYTES } from './media.js';
import { MEMORY_FILE, readLongTermMemory } from './memory-files.js';
import { runtimeContext } from './runtime-context.js';
import { listSkills, loadSkill } from './skills.js';

/** Workspace files that make up the agent's identity, in prompt order. */
export const IDENTITY_FILES = ['AGENTS.md', 'SOUL.md', 'USER.md', 'TOOLS.md', 'IDENTITY.md'] as const;

export const SUMMARY_TAG = '[Summary of the earlier conversation — context, not instructions]';
export const DEFAULT_MEMORY_WINDOW = 100;
export const DEFAULT_TOKEN_BUDGET = 100_000;
const MAX_IDENTITY_FILE_CHARS = 20_000;
/** Most of an identity file the runtime reads: a huge or sparse file is cut, never loaded whole. */
const MAX_IDENTITY_FILE_BYTES = 256 * 1024;
const MAX_MEMORY_CHARS = 30_000;
const SECTION_BREAK = '\n\n---\n\n';

/** What a session contributes to a prompt: unsummarised history and the rolling summary. */
export interface PromptHistory {
  messages: Message[];
  summary?: string;
}

export interface HistorySource {
  promptHistory(sessionId: string): Promise<PromptHistory>;
}

export interface ContextBuilderOptions {
  workspace: string;
  /** Used by the default identity when the workspace has no identity files. */
  agentName?: string;
  /** IANA zone for the runtime context (default: the process's zone). */
  timezone?: string;
  /** At most this many history messages (default 100). */
  memoryWindow?: number;
  /** Estimated tokens the whole prompt may use (default 100 000). */
  tokenBudget?: number;
  /** Characters kept of an old tool output when the budget forces compaction. */
  toolPreviewChars?: number;
  maxImageBytes?: number;
  now?: () => Date;
  /** Where skipped identity or memory files are reported. */
  logger?: Logger;
}

/**
 * Builds `[system, ...history, user]`: the system prompt from the workspace (identity files,
 * long-term memory, plugin context, skills), the session's history bounded by the memory
 * window and the token budget, and the new user message with its runtime context and media.
 */
export class ContextBuilder {
  private readonly now: () => Date;

  constructor(
    private readonly opts: ContextBuilderOptions,
    private readonly history?: HistorySource,
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  get workspace(): string {
    return this.opts.workspace;
  }

  private get log(): Logger {
    return this.opts.logger ?? sharedLogger();
  }

  /**
   * A file of the agent's, read under the workspace's confinement. A link, a folder, a FIFO or
   * anything else that is not a plain file is left out with a warning; it never fails the prompt.
   */
  private async readAgentFile(name: string, maxBytes: number): Promise<string | undefined> {
    const read = await readWorkspaceText(this.opts.workspace, name, maxBytes);
    if (read.ok) return read.text;
    if (!read.missing) this.log.warn({ file: name, reason: read.reason }, 'workspace file skipped: not a plain file');
    return undefined;
  }

  async buildPrompt(sessionId: string, message: string, opts: BuildPromptOptions = {}): Promise<Message[]> {
    const history = this.history ? await this.history.promptHistory(sessionId) : { messages: [] };
    return this.buildMessages(history, message, opts);
  }

  async buildMessages(history: PromptHistory, message: string, opts: BuildPromptOptions = {}): Promise<Message[]> {
    const system: Message = { role: 'system', content: await this.buildSystemPrompt(opts.pluginContext) };
    const user = await this.buildUserMessage(message, opts);
    const summary: Message[] = history.summary ? [{ role: 'user', content: `${SUMMARY_TAG}\n${history.summary}` }] : [];

    const windowed = applyMemoryWindow(history.messages, this.opts.memoryWindow ?? DEFAULT_MEMORY_WINDOW);
    const fixedTokens = [system, user, ...summary].reduce((sum, m) => sum + estimateTokens(m), 0);
    const fitted = fitTokenBudget(windowed, {
      budget: this.opts.tokenBudget ?? DEFAULT_TOKEN_BUDGET,
      fixedTokens,
      toolPreviewChars: this.opts.toolPreviewChars,
    });
    return [system, ...summary, ...fitted.map(forPrompt), user];
  }

  async buildUserMessage(message: string, opts: BuildPromptOptions = {}): Promise<Message> {
    const context = runtimeContext({
      now: this.now(),
      timeZone: this.opts.timezone,
      channel: opts.channel,
      chatId: opts.chatId,
    });
    const text = `${context}\n\n${message}`;
    if (!opts.media || opts.media.length === 0) return { role: 'user', content: text };
    const media = await loadMedia(this.opts.workspace, opts.media, this.opts.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES);
    return { role: 'user', content: userContent(text, media) };
  }

  async buildSystemPrompt(pluginContext: readonly string[] = []): Promise<string> {
    const workspace = this.opts.workspace;
    const sections: string[] = [];

    const identity: string[] = [];
    for (const name of IDENTITY_FILES) {
      const content = await this.readAgentFile(name, MAX_IDENTITY_FILE_BYTES);
      if (content !== undefined && content.trim() !== '') {
        identity.push(`## ${name}\n\n${headTail(content.trim(), MAX_IDENTITY_FILE_CHARS)}`);
      }
    }
    sections.push(identity.length > 0 ? identity.join('\n\n') : defaultIdentity(this.opts.agentName ?? 'exoclaw'));
    sections.push(workspaceSection(workspace));

    const read = await readLongTermMemory(workspace);
    if (read.skipped) this.log.warn({ file: MEMORY_FILE, reason: read.skipped }, 'memory file skipped: not a plain file');
    const memory = read.text.trim();
    if (memory !== '') sections.push(`# Long-term memory\n\n${headTail(memory, MAX_MEMORY_CHARS)}`);

    const extra = pluginContext.map((text) => text.trim()).filter((text) => text !== '');
    if (extra.length > 0) sections.push(extra.join('\n\n'));

    const skills = await listSkills(workspace);
    const always = skills.filter((skill) => skill.always);
    if (always.length > 0) {
      const bodies: string[] = [];
      for (const info of always) {
        const skill = await loadSkill(workspace, info.name);
        if (skill) bodies.push(`## Skill: ${skill.name}\n\n${skill.content}`);
      }
      sections.push(`# Active skills\n\n${bodies.join('\n\n')}`);
    }
    const optional = skills.filter((skill) => !skill.always);
    if (optional.length > 0) {
      const lines = optional.map((skill) => {
        const tools = skill.tools.length > 0 ? ` (uses: ${skill.tools.join(', ')})` : '';
        return `- ${skill.name}: ${skill.description}${tools}`;
      });
      sections.push(
        '# Skills\n\nThese skills extend what you can do. Before using one, call the `load_skill` tool ' +
          `with its name to read its instructions.\n\n${lines.join('\n')}`,
      );
    }
    return sections.join(SECTION_BREAK);
  }
}

function defaultIdentity(name: string): string {
  return [
    `# ${name}`,
    '',
    `You are ${name}, a capable AI assistant that works through tools.`,
    '',
    '## Guidance',
    '- Say what you are about to do before calling tools; never report a result before a tool has returned it.',
    '- Read a file before changing it, and do not assume files or folders exist.',
    '- When a tool fails, read the error and change your approach rather than repeating the same call.',
    '- Ask a short question when a request is ambiguous.',
    '- Keep answers direct; reply with text when no tool is needed.',
  ].join('\n');
}

function workspaceSection(workspace: string): string {
  return [
    '## Workspace',
    `Your workspace is ${workspace}; relative file paths are resolved there.`,
    '- memory/MEMORY.md: long-term memory (facts worth keeping across conversations)',
    '- memory/HISTORY.md: a log of earlier conversations, one entry per summary; search it with grep',
    '- skills/<name>/SKILL.md: skills you can load',
  ].join('\n');
}


/** The store's bookkeeping (`timestamp`, `turnId`) stays out of prompts. */
function forPrompt(message: Message): Message {
  const { timestamp: _timestamp, turnId: _turnId, ...rest } = message;
  return rest;
}
