import type { Config } from '../config.js';
import { connectClient } from '../temporal/client.js';
import { SessionClient, type SessionJob } from '../temporal/session-client.js';
import { clientFlags, EXIT_INTERRUPTED, EXIT_TIMED_OUT, exitCodeOf, stillRunningMessage, waitWithFeedback, whyStopped } from './client-wait.js';
import { CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, warnOnStderr, type ConnectionFlagValues } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { sessionFlags } from './session-flags.js';

const FLAGS = sessionFlags(
  {
    session: 'conversation key',
    'message-id': 'idempotency key: the same id again prints the first reply, runs no new turn',
    json: 'print the reply as JSON {messageId, seq, turnId, status, content, toolsUsed, ...}',
    'no-wait': 'queue the message (signal) and return without waiting for the reply',
    heartbeat:
      "set the session's heartbeat: every EVERY (e.g. 30m, 1h, 90s) the session is\n" +
      'asked to act on HEARTBEAT.md when that workspace file has content; "off" removes it',
    schedules: "list the session's scheduled jobs (cron jobs and heartbeat)",
    timeout: 'stop waiting for the reply after D (e.g. 30s, 5m); the session goes on,\nand how to follow or stop it is printed (exit 3)',
  },
  23,
);

export const SEND_HELP = `Usage: exoclaw-temporal send --session S "message" [--json] [--message-id ID] [--timeout D]

Sends one message to the session's long-lived AgentSessionWorkflow (workflow id session-S),
starting it if it is not running, waits for that message's reply and prints it. Messages of
one session run one at a time, in arrival order. Commands are answered at once:
/stop (stop the running task), /new (new conversation), /help.
A worker must be running (exoclaw-temporal worker, or npm start). While it waits it says on
stderr what it waits for: no worker polling the task queue, or a model call being retried.
Ctrl-C stops waiting (the session goes on; how to follow or stop it is printed).
${FLAGS.help}
The message is optional with --heartbeat or --schedules. --model applies when the session starts.
Exit codes: 0 answered, 1 failed, 2 usage error, ${EXIT_TIMED_OUT} --timeout ran out, ${EXIT_INTERRUPTED} Ctrl-C.
${CONNECTION_FLAGS_HELP}`;

export async function sendCommand(argv: string[]): Promise<number> {
  const { values, message } = FLAGS.parse(argv);
  const session = values.session;
  if (!session) throw new UsageError('send needs --session S (the conversation key).');
  if (!message && values.heartbeat === undefined && !values.schedules) {
    throw new UsageError('send needs a message, e.g. exoclaw-temporal send --session s1 "hello"');
  }
  const heartbeat = values.heartbeat === undefined ? undefined : parseHeartbeat(values.heartbeat);
  const timeoutMs = values.timeout === undefined ? undefined : durationFlag('--timeout', values.timeout, { examples: '30s, 5m or 1h' });

  const { sessions, target } = await connectSessions(values);
  try {
    if (heartbeat !== undefined) {
      const job = await sessions.setHeartbeat(session, heartbeat);
      console.error(job ? `Heartbeat set: ${job.schedule} (schedule ${job.scheduleId}).` : 'Heartbeat removed.');
    }
    if (values.schedules) printJobs(await sessions.listSchedules(session), values.json === true);
    if (!message) return 0;

    if (values['no-wait']) {
      await sessions.signal(session, message, { messageId: values['message-id'] });
      if (values.json) console.log(JSON.stringify({ queued: true, workflowId: sessions.workflowId(session) }));
      else console.error(`Queued for session ${session} (workflow ${sessions.workflowId(session)}).`);
      return 0;
    }
    const waitTarget = { ...target, client: sessions.client, workflowId: sessions.workflowId(session) };
    const { outcome, state } = await waitWithFeedback(() => sessions.send(session, message, { messageId: values['message-id'] }), waitTarget, {
      timeoutMs,
    });
    if (outcome.kind !== 'done') {
      console.error(await stillRunningMessage(whyStopped(outcome), state, { ...waitTarget, ...sessionFollowUps(session, target) }));
      return exitCodeOf(outcome);
    }
    const reply = outcome.value;
    if (values.json) console.log(JSON.stringify(reply));
    else if (reply.content) console.log(reply.content);
    return reply.status === 'failed' ? 1 : 0;
  } finally {
    await sessions.client.connection.close();
  }
}

/** A SessionClient from the connection flags (--model becomes the start setting of new sessions), and where it points. */
export async function connectSessions(
  values: ConnectionFlagValues,
): Promise<{ sessions: SessionClient; target: { address: string; namespace: string; taskQueue: string }; config: Config }> {
  const { connection, taskQueue, encryption, config } = setupFromFlags(values, { onWarning: warnOnStderr });
  const client = await connectClient(connection, { encryption });
  return {
    sessions: new SessionClient(client, taskQueue, values.model ? { model: values.model } : {}),
    target: { address: connection.address, namespace: connection.namespace, taskQueue },
    config,
  };
}

/** How to follow a session and stop its turn, for the message after giving up on a reply. */
export function sessionFollowUps(session: string, target: { address: string; namespace: string; taskQueue: string }) {
  const flags = clientFlags(target);
  return {
    what: `session ${session}`,
    follow: `exoclaw-temporal chat --session ${session}${flags}`,
    extra: [`  stop its running turn:  exoclaw-temporal send --session ${session}${flags} /stop`],
  };
}

/** "30m" / "1h" / "90s" / "90" (seconds, as before durations) → whole seconds; "off" → null. */
export function parseHeartbeat(text: string): number | null {
  if (/^(off|none|0)$/i.test(text.trim())) return null;
  const millis = durationFlag('--heartbeat', text, { examples: '30m, 1h or 90s, or "off"', bareUnit: 's', allowZero: true });
  if (millis < 1000) throw new UsageError('--heartbeat must be at least 1s.');
  if (millis % 1000 !== 0) throw new UsageError(`--heartbeat needs whole seconds, got "${text}"`);
  return millis / 1000;
}

function printJobs(jobs: SessionJob[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ schedules: jobs }));
    return;
  }
  if (jobs.length === 0) console.log('No scheduled jobs.');
  for (const job of jobs) {
    const next = job.nextRunAt ? `  next ${job.nextRunAt}` : '';
    console.log(`${job.jobId}  ${job.schedule}${next}  "${job.message}"  (schedule ${job.scheduleId})`);
  }
}
