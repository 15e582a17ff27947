import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../src/logger.js';
import { defaultStateDir } from '../../src/storage/state-root.js';
import type { Message } from '../../src/core/messages.js';

/** A temp workspace and, beside it, the default state root (`<workspace>.state`). */
export function tempWorkspace(): { dir: string; stateDir: string; cleanup: () => void } {
  const base = mkdtempSync(join(tmpdir(), 'exoclaw-conv-'));
  const dir = join(base, 'workspace');
  mkdirSync(dir);
  return { dir, stateDir: defaultStateDir(dir), cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/** A real pino logger whose lines are kept for assertions. */
export function captureLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void raw.push(line) } });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A complete turn: user, assistant calling a tool, the tool's result, the final answer. */
export function toolTurn(turnId: string, text = turnId): Message[] {
  const callId = `call-${turnId}`;
  return [
    { role: 'user', content: `question ${text}` },
    { role: 'assistant', content: null, toolCalls: [{ id: callId, name: 'read_file', arguments: { path: `${text}.txt` } }] },
    { role: 'tool', toolCallId: callId, name: 'read_file', content: `contents of ${text}` },
    { role: 'assistant', content: `answer ${text}` },
  ];
}

export function chatTurn(turnId: string): Message[] {
  return [
    { role: 'user', content: `question ${turnId}` },
    { role: 'assistant', content: `answer ${turnId}` },
  ];
}
