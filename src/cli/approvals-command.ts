import { hostname, userInfo } from 'node:os';
import type { ApprovalDecisionKind, PendingApproval } from '../contract/index.js';
import { ApprovalError, ApprovalsClient } from '../temporal/approvals-client.js';
import { connectClient } from '../temporal/client.js';
import { CONNECTION_FLAGS, CONNECTION_FLAGS_HELP, setupFromFlags, UsageError, warnOnStderr } from './common-flags.js';
import { parseFlags } from './parse-flags.js';

export const APPROVALS_HELP = `Usage: exoclaw-temporal approvals list [--session S] [--json]
       exoclaw-temporal approvals approve ID [--for-session] [--by NAME]
       exoclaw-temporal approvals deny ID [--reason TEXT] [--by NAME]

Tool calls a policy rule (tools.policy, action "ask") or a hook stopped wait inside their turn
or session workflow until a person answers here (docs/approvals.md). They survive worker
restarts; a worker must be running for the answer to take effect and the call to run.
  list             tool calls waiting on the task queue, oldest first (each with its ID)
    --session S    only this session's
    --json         one JSON object {approvals: [...], unanswered: [workflow ids]}
  approve ID       run the call once
    --for-session  also run later calls of the same tool and matcher in this session
                   without asking (the list's "always covers" line says what that is)
  deny ID          the call does not run; the model reads that a person denied it
    --reason TEXT  added to what the model reads and to the session log
  --by NAME        who answers, recorded in the session log (default: user@host)
Exit codes: 0 done, 1 the approval is no longer waiting (answered, timed out, turn ended), 2 usage error.
${CONNECTION_FLAGS_HELP}`;

export async function approvalsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...CONNECTION_FLAGS,
      session: { type: 'string', short: 's' },
      json: { type: 'boolean' },
      'for-session': { type: 'boolean' },
      reason: { type: 'string' },
      by: { type: 'string' },
    },
  });
  const [action, id, ...rest] = positionals;
  if (!action) throw new UsageError('approvals needs list, approve ID or deny ID (see approvals --help).');
  if (action === 'list') {
    if (id !== undefined) throw new UsageError(`approvals list takes no ID (got "${id}"); use --session S to narrow it.`);
  } else if (action === 'approve' || action === 'deny') {
    if (!id) throw new UsageError(`approvals ${action} needs the ID that approvals list shows.`);
    if (rest.length > 0) throw new UsageError(`approvals ${action} takes one ID (got also "${rest.join(' ')}").`);
    if (action === 'approve' && values.reason !== undefined) throw new UsageError('--reason goes with deny.');
    if (action === 'deny' && values['for-session']) throw new UsageError('--for-session goes with approve.');
  } else {
    throw new UsageError(`unknown approvals action "${action}": use list, approve or deny.`);
  }

  const { connection, taskQueue, encryption } = setupFromFlags(values, { onWarning: warnOnStderr });
  const client = await connectClient(connection, { encryption });
  const approvals = new ApprovalsClient(client, taskQueue);
  try {
    if (action === 'list') {
      const listing = await approvals.list({ sessionId: values.session });
      if (values.json) console.log(JSON.stringify(listing));
      else console.log(listText(listing.approvals, taskQueue, values.session));
      if (listing.unanswered.length > 0) {
        console.error(`warning: ${listing.unanswered.length} running workflow(s) did not answer (no worker on ${taskQueue}?): ${listing.unanswered.join(', ')}`);
      }
      return 0;
    }
    const decision: ApprovalDecisionKind = action === 'deny' ? 'deny' : values['for-session'] ? 'allow_session' : 'allow';
    const by = values.by ?? defaultDecider();
    const outcome = await approvals.decide({ id: id!, decision, by, ...(values.reason ? { reason: values.reason } : {}) });
    const what = { allow: 'Approved', allow_session: 'Approved for this session', deny: 'Denied' }[outcome.decision];
    if (values.json) console.log(JSON.stringify(outcome));
    else console.log(`${what}: ${outcome.tool} call ${outcome.id} (session ${outcome.sessionId}).`);
    return 0;
  } catch (error) {
    if (!(error instanceof ApprovalError)) throw error;
    console.error(`error: ${error.message}`);
    return 1;
  } finally {
    await client.connection.close();
  }
}

/** One block per waiting call: what would run, why it asks, what "always" would cover. */
export function listText(approvals: PendingApproval[], taskQueue: string, session?: string): string {
  if (approvals.length === 0) return `No tool calls are waiting for approval${session ? ` in session ${session}` : ''} (task queue ${taskQueue}).`;
  return approvals
    .map((a) =>
      [
        `${a.id}`,
        `  session ${a.sessionId}  tool ${a.tool}  asked ${a.requestedAt}  times out ${a.expiresAt}`,
        `  args ${a.args}`,
        ...(a.reason ? [`  why: ${a.reason}`] : []),
        `  --for-session covers: ${a.grantScope}`,
      ].join('\n'),
    )
    .join('\n\n');
}

export function defaultDecider(): string {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return hostname();
  }
}
