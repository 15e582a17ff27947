// Reads the session JSONL files on the shared workspace the way an auditor would, to check
// that a turn was recorded exactly once and that no line is torn.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoggedMessage {
  file: string;
  role: string;
  /** Text content (content parts joined). */
  text: string;
  turnId?: string;
  toolCallId?: string;
  toolCalls: { id: string; name: string; arguments: Record<string, unknown> }[];
}

export interface SessionLog {
  messages: LoggedMessage[];
  /** Lines that are not valid JSON (a torn write would show up here). */
  invalidLines: number;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '')).join('\n');
  }
  return '';
}

/** Every message of every session file under `<stateDir>/sessions/`. */
export function readSessionLog(stateDir: string): SessionLog {
  const dir = join(stateDir, 'sessions');
  const log: SessionLog = { messages: [], invalidLines: 0 };
  let files: string[];
  try {
    files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  } catch {
    return log;
  }
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        log.invalidLines += 1;
        continue;
      }
      if (record['_type'] === 'header') continue;
      log.messages.push({
        file,
        role: String(record['role'] ?? ''),
        text: textOf(record['content']),
        turnId: typeof record['turnId'] === 'string' ? record['turnId'] : undefined,
        toolCallId: typeof record['toolCallId'] === 'string' ? record['toolCallId'] : undefined,
        toolCalls: Array.isArray(record['toolCalls']) ? (record['toolCalls'] as LoggedMessage['toolCalls']) : [],
      });
    }
  }
  return log;
}

/** How many recorded user messages contain `message`. */
export function countRecordedTurn(stateDir: string, message: string): number {
  return readSessionLog(stateDir).messages.filter((m) => m.role === 'user' && m.text.includes(message)).length;
}
