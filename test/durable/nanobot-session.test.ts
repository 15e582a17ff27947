// A nanobot conversation continues here: its session file, once migrated, is the history the
// model receives in a durable turn, and nanobot's memory/MEMORY.md is in the system prompt.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateNanobotSessions } from '../../src/conversation/migrate-nanobot-sessions.js';
import { SessionStore } from '../../src/conversation/session-store.js';
import { createLogger } from '../../src/logger.js';
import { createWorkerDeps } from '../../src/temporal/worker-deps.js';
import { startDurableStack, type DurableStack } from './durable-stack.js';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'nanobot', 'sessions', 'telegram_42.jsonl');

let stack: DurableStack;
beforeAll(async () => {
  stack = await startDurableStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('a nanobot session', () => {
  it('continues with its history reaching the model after `migrate`', async () => {
    // nanobot's files, left in the workspace as nanobot keeps them.
    await mkdir(join(stack.workspace, 'sessions'), { recursive: true });
    await copyFile(FIXTURE, join(stack.workspace, 'sessions', 'telegram_42.jsonl'));
    await mkdir(join(stack.workspace, 'memory'), { recursive: true });
    await writeFile(join(stack.workspace, 'memory', 'MEMORY.md'), '- Ada prefers short answers.\n');

    // A worker starting now says the file is not read as it is, and what to run.
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    await (await createWorkerDeps(stack.config, { logger: log })).close();
    expect(lines.join('')).toContain('1 nanobot session file(s) are not converted yet, so those conversations start empty here; run `exoclaw-temporal migrate`');

    const migrated = await migrateNanobotSessions({ workspace: stack.workspace, stateDir: stack.stateDir, logger: createLogger({ level: 'silent' }) });
    expect(migrated.sessions).toEqual([expect.objectContaining({ action: 'convert', key: 'telegram:42' })]);

    const question = 'What is my cat called, and when is the vet?';
    const outcome = await stack.withAgentWorker(() => stack.exoclaw.runTurn({ sessionId: 'telegram:42', message: question }));
    expect(outcome.stopReason).toBe('completed');

    const request = stack.llm.chatRequests().find((r) => JSON.stringify(r.body).includes(question));
    expect(request, 'the turn reached the model').toBeDefined();
    const prompt = JSON.stringify(request!.body);
    // Earlier messages from nanobot's file, in the prompt of the new turn.
    expect(prompt).toContain('Hi! My name is Ada and my cat is called Biscuit.');
    expect(prompt).toContain('Please note that Biscuit sees the vet on Friday at 10.');
    expect(prompt).toContain('toolu_01A2b3C4d5E6f7G8h9'); // the tool call and its result, paired
    expect(prompt).toContain('Ada prefers short answers.'); // nanobot's memory, read in place
    // The new turn is recorded after nanobot's history, in the same session.
    const { messages } = await new SessionStore(stack.stateDir).read('telegram:42');
    expect(messages).toHaveLength(10);
    expect(messages[8]).toMatchObject({ role: 'user', content: question });
  }, 90_000);
});
