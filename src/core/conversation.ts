import type { Message } from './messages.js';

export interface BuildPromptOptions {
  channel?: string;
  chatId?: string;
  media?: string[];
  /** Extra system prompt sections from tools and hooks. */
  pluginContext?: string[];
}

export interface SessionInfo {
  key: string;
  createdAt: string;
  updatedAt: string;
  messageCount?: number;
  path?: string;
}

/** Where a session's history lives and how a prompt is built from it. */
export interface Conversation {
  /** System prompt + history + the new user message. */
  buildPrompt(sessionId: string, message: string, opts?: BuildPromptOptions): Promise<Message[]>;
  /** Append a turn's messages. Idempotent per `turnId`: recording the same turn twice is a no-op. */
  record(sessionId: string, turnId: string, messages: Message[]): Promise<void>;
  clear(sessionId: string): Promise<boolean>;
  listSessions(): Promise<SessionInfo[]>;
}
