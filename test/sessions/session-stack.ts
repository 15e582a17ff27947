// A durable stack for session tests: the real worker deps and scripted LLM (test/durable), plus
// script rules that drive the session-only tools (spawn, cron) and a session log reader.
import { readFile } from 'node:fs/promises';
import type { ScriptRule } from '../../dev/scripted-llm/index.js';
import { SessionClient, type SessionSettings } from '../../src/temporal/session-client.js';
import { startDurableStack, type DurableStack } from '../durable/durable-stack.js';

/** Tried before the built-in rules. */
export const SESSION_TEST_RULES: ScriptRule[] = [
  {
    name: 'subagent report',
    when: { lastUserMatches: '^\\[Subagent "([^"]+)" (finished|failed)\\]' },
    reply: { text: '[scripted-llm] Subagent {{match.1}} {{match.2}}. Its report: {{lastUser}}' },
  },
  {
    name: 'spawn',
    when: { hasToolResult: false, lastUserMatches: '\\bspawn a subagent called (\\S+) to: (.+)$' },
    reply: { toolCalls: [{ name: 'spawn', arguments: { task: '{{match.2}}', label: '{{match.1}}' } }] },
  },
  // Before 'cron every': a one-shot reminder's text may itself ask for a recurring job.
  {
    name: 'cron at',
    when: { hasToolResult: false, lastUserMatches: "\\bremind me '(.+?)' at (\\S+)$" },
    reply: { toolCalls: [{ name: 'cron', arguments: { action: 'add', message: '{{match.1}}', at: '{{match.2}}' } }] },
  },
  {
    name: 'cron every',
    when: { hasToolResult: false, lastUserMatches: "\\bschedule '(.+?)' every (\\d+) seconds" },
    reply: { toolCalls: [{ name: 'cron', arguments: { action: 'add', message: '{{match.1}}', every_seconds: '{{match.2}}' } }] },
  },
  {
    name: 'cron list',
    when: { hasToolResult: false, lastUserMatches: '\\blist my jobs\\b' },
    reply: { toolCalls: [{ name: 'cron', arguments: { action: 'list' } }] },
  },
  {
    name: 'cron remove',
    when: { hasToolResult: false, lastUserMatches: '\\bremove job (\\w+)' },
    reply: { toolCalls: [{ name: 'cron', arguments: { action: 'remove', job_id: '{{match.1}}' } }] },
  },
];

export interface SessionStack extends DurableStack {
  sessions(settings?: SessionSettings): SessionClient;
}

export async function startSessionStack(): Promise<SessionStack> {
  // Jobs every 2 s keep the cron tests short; the operator's default is at least 60 s apart.
  const stack = await startDurableStack({ overrides: { tools: { cron: { minIntervalSeconds: 1 } } } });
  stack.llm.setScript({ rules: SESSION_TEST_RULES, useDefaults: true });
  return Object.assign(stack, {
    sessions: (settings: SessionSettings = {}) => new SessionClient(stack.client, stack.taskQueue, settings),
  });
}

export interface LoggedMessage {
  role: string;
  content: unknown;
  turnId?: string;
  name?: string;
}

/** The session's JSONL messages in file order ([] when the session has no file yet). */
export async function sessionLog(stack: DurableStack, sessionId: string): Promise<LoggedMessage[]> {
  const found = (await stack.deps.conversation.listSessions()).find((info) => info.key === sessionId);
  if (!found?.path) return [];
  const text = await readFile(found.path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LoggedMessage & { _type?: string })
    .filter((record) => record._type !== 'header');
}

export function userTexts(log: LoggedMessage[]): string[] {
  return log.filter((m) => m.role === 'user').map((m) => String(m.content));
}

/** True when every turn's messages sit together (no turn interleaved with another). */
export function turnsAreContiguous(log: LoggedMessage[]): boolean {
  const seen = new Set<string>();
  let previous: string | undefined;
  for (const message of log) {
    const turn = message.turnId ?? '';
    if (turn !== previous) {
      if (seen.has(turn)) return false;
      seen.add(turn);
      previous = turn;
    }
  }
  return true;
}
