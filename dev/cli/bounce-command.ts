import { BounceError, runBounce, type BounceSignal } from '../bounce/bounce.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { durationFlag } from '../../src/cli/duration-flag.js';
import { parseFlags } from '../../src/cli/parse-flags.js';

export const BOUNCE_HELP = `Usage: exoclaw-temporal bounce [--signal KILL|TERM] [--json] [flags]      (npm run bounce)

The durability demo. Starts a Temporal dev server (or uses $TEMPORAL_ADDRESS), the scripted LLM
(unless a real model is configured), and two worker processes, worker-a and worker-b, on one
shared workspace. It asks for "Run the command 'sleep 20 && echo task complete'", finds the
worker running that command, kills it, and shows Temporal moving the tool call to the other
worker and the turn finishing with the command's real output.
  --signal KILL|TERM   KILL (default): the worker dies at once; Temporal notices when its
                       heartbeats stop. TERM: graceful stop; the running tool is cancelled
                       after the shutdown grace and handed back at once.
  --json               print only one JSON object: {killedWorker, resumedOn, signal,
                       killToResumeSeconds, turnSeconds, finalContent, ok}
  --sleep N            seconds the command sleeps (default 20)
  --heartbeat-timeout D  executeTool heartbeat timeout for the turn (default 5s)
  --temporal-url H:P   use this Temporal instead of starting a dev server
  --model M            a real model (its key must be in the environment)
  --keep               keep the temporary workspace and print its path
Exit code 0 when the turn finished correctly after the kill.`;

export async function bounceCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      signal: { type: 'string' },
      json: { type: 'boolean' },
      sleep: { type: 'string' },
      'heartbeat-timeout': { type: 'string' },
      'temporal-url': { type: 'string' },
      model: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`bounce takes no arguments (got "${positionals.join(' ')}").`);
  const signal = parseSignal(values.signal ?? 'KILL');
  const sleepSeconds = values.sleep === undefined ? 20 : Number(values.sleep);
  if (!Number.isFinite(sleepSeconds) || sleepSeconds < 5 || sleepSeconds > 600) {
    throw new UsageError(`--sleep needs a number of seconds from 5 to 600 (got "${values.sleep}").`);
  }
  const heartbeatTimeout = values['heartbeat-timeout'] ?? '5s';
  durationFlag('--heartbeat-timeout', heartbeatTimeout, { examples: '5s or 1500ms' }); // passed on as text, in the same grammar

  const log = values.json ? undefined : (line: string): void => console.log(line);
  try {
    const result = await runBounce({
      signal,
      sleepSeconds,
      heartbeatTimeout,
      temporalAddress: values['temporal-url'],
      model: values.model,
      keepWorkspace: values.keep,
      log,
    });
    if (values.json) console.log(JSON.stringify(result));
    return result.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof BounceError && values.json) {
      console.log(JSON.stringify({ ok: false, error: error.message }));
      return 1;
    }
    throw error;
  }
}

function parseSignal(raw: string): BounceSignal {
  const name = raw.toUpperCase().replace(/^SIG/, '');
  if (name === 'KILL') return 'SIGKILL';
  if (name === 'TERM') return 'SIGTERM';
  throw new UsageError(`--signal must be KILL or TERM (got "${raw}").`);
}
