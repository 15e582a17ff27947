// The turn-based example: three checks that a durable agent works end to end.
//   (a) a plain LLM answer, (b) a tool call that writes a file in the workspace,
//   (c) memory that persists across separate workflow runs of one session.
// `npm run demo` runs it on an embedded stack. Standalone, against a running stack:
//   npm start                       # in one shell (or: exoclaw-temporal worker)
//   npx tsx examples/turn-based.ts  # in another; flags: --temporal-url, --task-queue, --workspace
// The prompts match the scripted LLM's rules and are plain requests a real model follows too.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONNECTION_FLAGS, setupFromFlags } from '../src/cli/common-flags.js';
import { connectClient, ExoclawClient, type TurnOutcome } from '../src/temporal/client.js';
import { localWorkspace } from '../dev/local-stack/local-stack.js';
import { packageRoot } from '../src/package-root.js';
import { oneLine } from '../src/core/text.js';
import { checkRunner, expect, readWrittenFile, waitForWorker, type CheckResult, type WorkflowRun } from './example-checks.js';

export interface TurnBasedResult {
  ok: boolean;
  checks: CheckResult[];
}

export interface TurnBasedOptions {
  client: ExoclawClient;
  /** The worker's workspace (the file check reads it). */
  workspace: string;
  log?: (line: string) => void;
  /** Makes workflow ids and the memory session unique to this run (default: random). */
  runToken?: string;
  /** Give up on a turn after this long (default 3 minutes: real models can be slow). */
  turnTimeoutMs?: number;
}

export const GREETING_FILE = 'turn-based/greeting.txt';
const GREETING = 'Hello from Temporal!';

/** Runs the three checks one after another; a failed check does not stop the others. */
export async function runTurnBasedExample(opts: TurnBasedOptions): Promise<TurnBasedResult> {
  const log = opts.log ?? (() => undefined);
  const token = opts.runToken ?? randomUUID().slice(0, 8);
  const turn = async (sessionId: string, message: string, id: string, runs: WorkflowRun[]): Promise<TurnOutcome> => {
    log(`  → [${sessionId}] ${message}`);
    const outcome = await runTurnWithTimeout(opts.client, { sessionId, message }, `turn-based-${id}-${token}`, opts.turnTimeoutMs ?? 180_000);
    runs.push({ workflowId: outcome.workflowId, runId: outcome.runId });
    log(`  ← ${oneLine(outcome.finalContent, 160)}${outcome.toolsUsed.length ? `  (tools: ${outcome.toolsUsed.join(', ')})` : ''}`);
    return outcome;
  };

  const { checks, check } = checkRunner(log, 3);

  await check('plain LLM answer (no tools)', async (runs) => {
    const outcome = await turn(`turn-based-plain-${token}`, 'Say hello in exactly five words.', 'plain', runs);
    expect(outcome.finalContent.trim().length > 0, 'the answer is empty');
    expect(/\b(hello|hi|hey)\b/i.test(outcome.finalContent), `expected a greeting, got: ${oneLine(outcome.finalContent, 160)}`);
    expect(outcome.toolsUsed.length === 0, `expected no tool calls, got [${outcome.toolsUsed.join(', ')}]`);
    return `answered in ${outcome.iterations} model call(s)`;
  });

  await check('tool call writes a file in the workspace', async (runs) => {
    const path = join(opts.workspace, GREETING_FILE);
    await rm(path, { force: true }); // so the check proves this run wrote it
    const outcome = await turn(
      `turn-based-file-${token}`,
      `Create a file named ${GREETING_FILE} containing '${GREETING}'`,
      'file',
      runs,
    );
    expect(outcome.toolsUsed.includes('write_file'), `expected a write_file call, tools used: [${outcome.toolsUsed.join(', ')}]`);
    const content = await readWrittenFile(path, opts.workspace);
    expect(content.includes(GREETING), `${path} contains ${JSON.stringify(content)}, expected "${GREETING}"`);
    return `${path} contains "${content.trim()}"`;
  });

  await check('memory persists across workflow runs', async (runs) => {
    const session = `turn-based-memory-${token}`;
    await turn(session, 'My name is Ada.', 'memory-1', runs);
    const second = await turn(session, 'What is my name? Answer with the name only.', 'memory-2', runs);
    expect(/\bAda\b/.test(second.finalContent), `expected "Ada" in the second answer, got: ${oneLine(second.finalContent, 160)}`);
    return 'the second workflow run remembered "Ada" from the first';
  });

  return { ok: checks.every((c) => c.ok), checks };
}

/** Starts a turn and waits for it; a turn that takes too long is terminated and reported. */
async function runTurnWithTimeout(
  client: ExoclawClient,
  request: { sessionId: string; message: string },
  workflowId: string,
  timeoutMs: number,
): Promise<TurnOutcome> {
  const handle = await client.startTurn(request, { workflowId });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolveTimeout) => {
    timer = setTimeout(() => resolveTimeout('timeout'), timeoutMs);
  });
  try {
    const result = await Promise.race([handle.result(), timeout]);
    if (result === 'timeout') {
      await handle.terminate('turn-based example: turn timed out').catch(() => undefined);
      throw new Error(
        `workflow ${workflowId} did not finish within ${Math.round(timeoutMs / 1000)} s; is a worker polling task queue "${client.taskQueue}"?`,
      );
    }
    return { ...result, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  } finally {
    clearTimeout(timer);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: CONNECTION_FLAGS });
  if (values.help) {
    console.log('Usage: npx tsx examples/turn-based.ts [--temporal-url H:P] [--task-queue Q] [--workspace DIR] [--namespace NS]');
    return 0;
  }
  const { config, connection, taskQueue } = setupFromFlags(values);
  const workspace = values.workspace ? resolve(values.workspace) : localWorkspace(config, join(packageRoot(), '.exoclaw'));
  const client = new ExoclawClient(await connectClient(connection), taskQueue);
  try {
    console.log(`Temporal ${connection.address}, task queue "${taskQueue}", workspace ${workspace}`);
    await waitForWorker(client);
    const result = await runTurnBasedExample({ client, workspace, log: (line) => console.log(line) });
    for (const c of result.checks) {
      for (const run of c.workflows) console.log(`  ${c.name}: workflow ${run.workflowId}`);
    }
    console.log(result.ok ? 'All 3 checks passed.' : `${result.checks.filter((c) => !c.ok).length} check(s) failed.`);
    return result.ok ? 0 : 1;
  } finally {
    await client.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`turn-based example: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
