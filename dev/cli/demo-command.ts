import { runTurnBasedExample } from '../../examples/turn-based.js';
import { displayPath, startLocalStack, type LocalStack } from '../local-stack/local-stack.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { onShutdownSignals } from '../../src/cli/shutdown-signals.js';
import { LOCAL_STACK_FLAGS, LOCAL_STACK_FLAGS_HELP, localStackOptions } from './local-stack-flags.js';

export const DEMO_HELP = `Usage: exoclaw-temporal demo [flags]      (npm run demo)

Brings up a local stack (Temporal dev server + Web UI, an in-process worker, and the scripted
LLM when no API key is set), runs the turn-based example (a plain answer, a tool call that
writes a file, memory across workflow runs), prints Web UI links to the workflows it ran, and
stops everything. Exit code 0 when all checks pass. Its worker uses the task queue
"exoclaw-demo" unless --task-queue is given.
${LOCAL_STACK_FLAGS_HELP}`;

export const DEMO_TASK_QUEUE = 'exoclaw-demo';

export async function demoCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({ args: argv, allowPositionals: true, options: LOCAL_STACK_FLAGS });
  if (positionals.length > 0) throw new UsageError(`demo takes no arguments (got "${positionals.join(' ')}").`);
  // Its own task queue, so a worker already serving a reused server (maybe with another
  // workspace) never picks up the demo's turns.
  const options = { ...localStackOptions(values), taskQueue: values['task-queue'] ?? DEMO_TASK_QUEUE };

  const say = (line: string): void => console.log(line);
  say('exoclaw-temporal demo: durable agent turns on a local Temporal stack');
  let stack: LocalStack | undefined;
  const removeSignalHandlers = onShutdownSignals(() => {
    say('\nInterrupted: stopping the local stack…');
    void (stack?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
  try {
    stack = await startLocalStack({ ...options, progress: (line) => say(`• ${line}`) });
    say(`• Worker ready (model ${stack.model}). Running the turn-based example:\n`);
    const result = await runTurnBasedExample({ client: stack.client, workspace: stack.workspace, log: say });

    say('');
    const links = result.checks.flatMap((check) =>
      check.workflows.map((run) => `  ${stack!.workflowUrl(run.workflowId, run.runId) ?? run.workflowId}`),
    );
    if (links.length > 0) {
      say(
        stack.uiUrl
          ? `Every activity of these workflows is in the Temporal Web UI${stack.startedServer ? ` (history is kept in ${displayPath(stack.root)}/; \`npm start\` serves these links again after the demo stops)` : ''}:`
          : 'Workflows run:',
      );
      for (const link of links) say(link);
    }
    say(`Workspace: ${displayPath(stack.workspace)} (the example's file in turn-based/; conversations in ${displayPath(stack.config.agents.defaults.stateDir)}/sessions/)`);
    const failed = result.checks.filter((check) => !check.ok);
    say(
      failed.length === 0
        ? `\nAll ${result.checks.length} checks passed. \`npm start\` keeps this stack running for your own turns.`
        : `\n${failed.length} of ${result.checks.length} checks failed: ${failed.map((check) => check.name).join('; ')}`,
    );
    return failed.length === 0 ? 0 : 1;
  } finally {
    if (stack) {
      say('• Stopping the local stack…');
      await stack.stop();
    }
    removeSignalHandlers();
  }
}
