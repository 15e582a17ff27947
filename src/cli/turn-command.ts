import { connectClient, ExoclawClient } from '../temporal/client.js';
import { CONNECTION_FLAGS_HELP, setupFromFlags, UsageError } from './common-flags.js';
import { sessionFlags } from './session-flags.js';

const FLAGS = sessionFlags(
  {
    session: "conversation key; turns of one session see each other's history",
    json: 'print {finalContent, toolsUsed, iterations, usage, workflowId, runId}',
    'workflow-id': 'reuse a business id (a duplicate start is rejected by Temporal)',
  },
  21,
);

export const TURN_HELP = `Usage: exoclaw-temporal turn --session S "message" [--json] [--workflow-id ID]

Starts one AgentTurnWorkflow, waits for it and prints the answer. A worker must be running
(exoclaw-temporal worker, or npm start).
${FLAGS.help}
${CONNECTION_FLAGS_HELP}`;

export async function turnCommand(argv: string[]): Promise<number> {
  const { values, message } = FLAGS.parse(argv);
  if (!values.session) throw new UsageError('turn needs --session S (the conversation key).');
  if (!message) throw new UsageError('turn needs a message, e.g. exoclaw-temporal turn --session s1 "hello"');

  const { connection, taskQueue, encryption } = setupFromFlags(values);
  const client = new ExoclawClient(await connectClient(connection, { encryption }), taskQueue);
  try {
    const outcome = await client.runTurn(
      { sessionId: values.session, message, model: values.model },
      { workflowId: values['workflow-id'] },
    );
    if (values.json) {
      console.log(
        JSON.stringify({
          finalContent: outcome.finalContent,
          toolsUsed: outcome.toolsUsed,
          iterations: outcome.iterations,
          usage: outcome.usage,
          stopReason: outcome.stopReason,
          workflowId: outcome.workflowId,
          runId: outcome.runId,
        }),
      );
    } else {
      console.log(outcome.finalContent);
    }
    return 0;
  } finally {
    await client.close();
  }
}
