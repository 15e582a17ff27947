import type { TurnWorkflowResult } from '../contract/index.js';
import { connectClient, ExoclawClient } from '../temporal/client.js';
import { EXIT_INTERRUPTED, EXIT_TIMED_OUT, exitCodeOf, stillRunningMessage, waitWithFeedback, whyStopped } from './client-wait.js';
import { CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, warnOnStderr } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { sessionFlags } from './session-flags.js';

const FLAGS = sessionFlags(
  {
    session: "conversation key; turns of one session see each other's history",
    json: 'print {finalContent, toolsUsed, iterations, usage, workflowId, runId}',
    'workflow-id': 'reuse a business id (a duplicate start is rejected by Temporal)',
    timeout: 'stop waiting after D (e.g. 30s, 5m); the turn goes on, and how to\nfollow or cancel it is printed (exit 3)',
  },
  21,
);

export const TURN_HELP = `Usage: exoclaw-temporal turn --session S "message" [--json] [--timeout D] [--workflow-id ID]

Starts one AgentTurnWorkflow, waits for it and prints the answer. A worker must be running
(exoclaw-temporal worker, or npm start). While it waits it says on stderr what it waits for: no
worker polling the task queue, or a model call being retried (which attempt, and why).
Ctrl-C stops waiting (the turn goes on; how to follow or cancel it is printed).
${FLAGS.help}
Exit codes: 0 answered, 1 failed, 2 usage error, ${EXIT_TIMED_OUT} --timeout ran out, ${EXIT_INTERRUPTED} Ctrl-C.
${CONNECTION_FLAGS_HELP}`;

export async function turnCommand(argv: string[]): Promise<number> {
  const { values, message } = FLAGS.parse(argv);
  if (!values.session) throw new UsageError('turn needs --session S (the conversation key).');
  if (!message) throw new UsageError('turn needs a message, e.g. exoclaw-temporal turn --session s1 "hello"');
  const timeoutMs = values.timeout === undefined ? undefined : durationFlag('--timeout', values.timeout, { examples: '30s, 5m or 1h' });

  const { connection, taskQueue, encryption } = setupFromFlags(values, { onWarning: warnOnStderr });
  const client = new ExoclawClient(await connectClient(connection, { encryption }), taskQueue);
  try {
    const handle = await client.startTurn({ sessionId: values.session, message, model: values.model }, { workflowId: values['workflow-id'] });
    const target = { client: client.client, address: connection.address, namespace: connection.namespace, taskQueue, workflowId: handle.workflowId };
    const { outcome, state } = await waitWithFeedback(() => handle.result() as Promise<TurnWorkflowResult>, target, { timeoutMs });
    if (outcome.kind !== 'done') {
      console.error(await stillRunningMessage(whyStopped(outcome), state, { ...target, what: 'the turn' }));
      return exitCodeOf(outcome);
    }
    const result = outcome.value;
    if (values.json) {
      console.log(
        JSON.stringify({
          finalContent: result.finalContent,
          toolsUsed: result.toolsUsed,
          iterations: result.iterations,
          usage: result.usage,
          stopReason: result.stopReason,
          workflowId: handle.workflowId,
          runId: handle.firstExecutionRunId,
        }),
      );
    } else {
      console.log(result.finalContent);
    }
    return 0;
  } finally {
    await client.close();
  }
}
