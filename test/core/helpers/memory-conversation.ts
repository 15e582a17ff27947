import type { BuildPromptOptions, Conversation, Message, SessionInfo } from '../../../src/core/index.js';

export interface BuildPromptCall {
  sessionId: string;
  message: string;
  opts: BuildPromptOptions | undefined;
}

/**
 * An in-memory Conversation for unit tests: the system prompt is the base prompt plus every
 * plugin-context section; recording is idempotent per turn id, as the contract requires.
 */
export class InMemoryConversation implements Conversation {
  readonly buildPromptCalls: BuildPromptCall[] = [];
  readonly recordCalls: { sessionId: string; turnId: string; messages: Message[] }[] = [];
  private readonly sessions = new Map<string, Message[]>();
  private readonly recordedTurns = new Map<string, Set<string>>();
  private readonly systemPrompt: string;

  constructor(opts: { systemPrompt?: string } = {}) {
    this.systemPrompt = opts.systemPrompt ?? 'You are a test agent.';
  }

  async buildPrompt(sessionId: string, message: string, opts?: BuildPromptOptions): Promise<Message[]> {
    this.buildPromptCalls.push({ sessionId, message, opts });
    const system = [this.systemPrompt, ...(opts?.pluginContext ?? [])].join('\n\n');
    return [
      { role: 'system', content: system },
      ...this.history(sessionId),
      { role: 'user', content: message },
    ];
  }

  async record(sessionId: string, turnId: string, messages: Message[]): Promise<void> {
    this.recordCalls.push({ sessionId, turnId, messages });
    const turns = this.recordedTurns.get(sessionId) ?? new Set<string>();
    if (turns.has(turnId)) return;
    turns.add(turnId);
    this.recordedTurns.set(sessionId, turns);
    this.sessions.set(sessionId, [...this.history(sessionId), ...messages.map((m) => ({ ...m }))]);
  }

  async clear(sessionId: string): Promise<boolean> {
    this.recordedTurns.delete(sessionId);
    return this.sessions.delete(sessionId);
  }

  async listSessions(): Promise<SessionInfo[]> {
    return [...this.sessions.entries()].map(([key, messages]) => ({
      key,
      createdAt: '1970-01-01T00:00:00.000Z',
      updatedAt: '1970-01-01T00:00:00.000Z',
      messageCount: messages.length,
    }));
  }

  history(sessionId: string): Message[] {
    return [...(this.sessions.get(sessionId) ?? [])];
  }
}
