// The session-based example: the turn-based example's three checks, sent as messages to ONE
// long-lived AgentSessionWorkflow instead of one workflow per turn.
//   (a) a plain LLM answer, (b) a tool call that writes a file in the workspace,
//   (c) memory across messages of the session — all answered by the same workflow run.
// Against a running stack:
//   npm start                          # in one shell (or: exoclaw-temporal worker)
//   npx tsx examples/session-based.ts  # in another; flags: --temporal-url, --task-queue, --workspace
// The prompts match the scripted LLM's rules and are plain requests a real model follows too.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONNECTION_FLAGS, setupFromFlags } from '../src/cli/common-flags.js';
import { connectClient, ExoclawClient } from '../src/temporal/client.js';
import { localWorkspace } from '../dev/local-stack/local-stack.js';
import { SessionClient, type SessionReply } from '../src/temporal/session-client.js';
import { packageRoot } from '../src/package-root.js';
import { oneLine } from '../src/core/text.js';
import { checkRunner, expect, readWrittenFile, waitForWorker, type CheckResult, type WorkflowRun } from './example-checks.js';

export interface SessionBasedResult {
  ok: boolean;
  sessionId: string;
  checks: CheckResult[];
}

export interface SessionBasedOptions {
  sessions: SessionClient;
  /** The worker's workspace (the file check reads it). */
  workspace: string;
  log?: (line: string) => void;
  /** Makes the session id unique to this run (default: random). */
  runToken?: string;
  /** Give up waiting for a reply after this long (default 3 minutes: real models can be slow). */
  replyTimeoutMs?: number;
}

export const SESSION_GREETING_FILE = 'session-based/greeting.txt';
const GREETING = 'Hello from a session!';

/** Sends the three checks' messages to one session, one after another. */
export async function runSessionBasedExample(opts: SessionBasedOptions): Promise<SessionBasedResult> {
  const log = opts.log ?? (() => undefined);
  const { sessions } = opts;
  const sessionId = `session-based-${opts.runToken ?? randomUUID().slice(0, 8)}`;
  let count = 0;
  const send = async (message: string, runs: WorkflowRun[]): Promise<SessionReply> => {
    log(`  → ${message}`);
    count += 1;
    // A message id per message: a retried send is answered once.
    const reply = await withTimeout(
      sessions.send(sessionId, message, { messageId: `${sessionId}-${count}` }),
      opts.replyTimeoutMs ?? 180_000,
      `no reply from ${sessions.workflowId(sessionId)}; is a worker polling task queue "${sessions.taskQueue}"?`,
    );
    const { runId } = await sessions.handle(sessionId).describe();
    runs.push({ workflowId: sessions.workflowId(sessionId), runId });
    log(`  ← ${oneLine(reply.content, 160)}${reply.toolsUsed.length ? `  (tools: ${reply.toolsUsed.join(', ')})` : ''}`);
    if (reply.status !== 'completed') throw new Error(`the message was ${reply.status}: ${oneLine(reply.content, 160)}`);
    return reply;
  };

  const { checks, check } = checkRunner(log, 3);

  await check('plain LLM answer (no tools)', async (runs) => {
    const reply = await send('Say hello in exactly five words.', runs);
    expect(reply.content.trim().length > 0, 'the answer is empty');
    expect(/hello/i.test(reply.content), `expected a hello, got: ${oneLine(reply.content, 160)}`);
    return `answered in ${reply.iterations ?? '?'} model call(s)`;
  });

  await check('tool call writes a file in the workspace', async (runs) => {
    const path = join(opts.workspace, SESSION_GREETING_FILE);
    await rm(path, { force: true }); // so the check proves this run wrote it
    const reply = await send(`Create a file named ${SESSION_GREETING_FILE} containing '${GREETING}'`, runs);
    expect(reply.toolsUsed.includes('write_file'), `expected a write_file call, tools used: [${reply.toolsUsed.join(', ')}]`);
    const content = await readWrittenFile(path, opts.workspace);
    expect(content.includes(GREETING), `${path} contains ${JSON.stringify(content)}, expected "${GREETING}"`);
    return `${path} contains "${content.trim()}"`;
  });

  await check('memory persists across messages of the session', async (runs) => {
    await send('My name is Ada.', runs);
    const second = await send('What is my name? Answer with the name only.', runs);
    expect(/\bAda\b/.test(second.content), `expected "Ada" in the second answer, got: ${oneLine(second.content, 160)}`);
    const status = await sessions.status(sessionId);
    expect(status?.turnCount === 4, `expected 4 turns in the session, status says ${status?.turnCount}`);
    return `the same session workflow remembered "Ada" (${status?.turnCount} turns, run ${status?.run})`;
  });

  return { ok: checks.every((c) => c.ok), sessionId, checks };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: CONNECTION_FLAGS });
  if (values.help) {
    console.log('Usage: npx tsx examples/session-based.ts [--temporal-url H:P] [--task-queue Q] [--workspace DIR] [--namespace NS]');
    return 0;
  }
  const { config, connection, taskQueue } = setupFromFlags(values);
  const workspace = values.workspace ? resolve(values.workspace) : localWorkspace(config, join(packageRoot(), '.exoclaw'));
  const client = await connectClient(connection);
  const sessions = new SessionClient(client, taskQueue, values.model ? { model: values.model } : {});
  try {
    console.log(`Temporal ${connection.address}, task queue "${taskQueue}", workspace ${workspace}`);
    await waitForWorker(new ExoclawClient(client, taskQueue));
    const result = await runSessionBasedExample({ sessions, workspace, log: (line) => console.log(line) });
    console.log(`Session ${result.sessionId}: workflow ${sessions.workflowId(result.sessionId)}`);
    console.log(result.ok ? 'All 3 checks passed.' : `${result.checks.filter((c) => !c.ok).length} check(s) failed.`);
    return result.ok ? 0 : 1;
  } finally {
    await client.connection.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`session-based example: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
