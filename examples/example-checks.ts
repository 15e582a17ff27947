// What the turn-based and session-based examples share: running named checks, asserting inside
// them, reading the file a tool wrote, and waiting for a worker.
import { readFile } from 'node:fs/promises';
import type { ExoclawClient } from '../src/temporal/client.js';

export interface WorkflowRun {
  workflowId: string;
  runId: string;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen (the answer, or why the check failed). */
  detail: string;
  workflows: WorkflowRun[];
}

/** Runs checks one after another; a failed check is recorded and does not stop the others. */
export function checkRunner(log: (line: string) => void, total: number) {
  const checks: CheckResult[] = [];
  const check = async (name: string, body: (runs: WorkflowRun[]) => Promise<string>): Promise<void> => {
    log(`[${checks.length + 1}/${total}] ${name}`);
    const runs: WorkflowRun[] = [];
    let result: CheckResult;
    try {
      result = { name, ok: true, detail: await body(runs), workflows: runs };
    } catch (error) {
      result = { name, ok: false, detail: error instanceof Error ? error.message : String(error), workflows: runs };
    }
    log(`  ${result.ok ? 'ok' : 'FAILED'}: ${result.detail}`);
    checks.push(result);
  };
  return { checks, check };
}

export function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The file a tool was asked to write, or an error that says where it was expected. */
export async function readWrittenFile(path: string, workspace: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new Error(`${path} was not written (is ${workspace} the worker's workspace?)`);
  }
}

/** Resolves once some worker polls the task queue, so a missing worker is reported instead of hanging. */
export async function waitForWorker(client: ExoclawClient, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.client.workflowService.describeTaskQueue({
      namespace: client.client.options.namespace,
      taskQueue: { name: client.taskQueue },
      taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
    });
    if ((response.pollers ?? []).length > 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `No worker is polling task queue "${client.taskQueue}". Start one with \`npm start\` or \`exoclaw-temporal worker\`, ` +
          'or pass --task-queue to match yours.',
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
