import { loadConfig } from '../config.js';
import { stateRootForTools } from '../config/local-stack-defaults.js';
import { collectUsage, type UsageReport } from '../conversation/session-usage.js';
import { STATE_ROOT_FLAGS, UsageError, warnOnStderr } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { parseFlags } from './parse-flags.js';

export const USAGE_HELP = `Usage: exoclaw-temporal usage [--session S] [--since 7d] [--json] [--state-dir DIR]

Tokens and turns per session, model and day (UTC), read from the session logs in the state root
(sessions/*.jsonl, and the conversations /new archived). Needs only the state root, not Temporal.
Model calls recorded before usage was (older logs) are counted, with their tokens unknown.
  --session S      only this session
  --since D        only records of the last D (e.g. 24h, 7d, 4w); default: everything
  --json           print one JSON object {stateDir, since, rows, totals, unrecordedCalls}
  --state-dir DIR  the state root (default: config, else <workspace>.state; with nothing
                   configured, the local stack's when it exists, as for gc)
  --workspace DIR  the workspace, to find the default state root (default: config, ~/.exoclaw/workspace)
  --config FILE    config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)`;

export async function usageCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...STATE_ROOT_FLAGS,
      session: { type: 'string', short: 's' },
      since: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`usage takes no arguments (got "${positionals.join(' ')}").`);
  const sinceMs = values.since === undefined ? undefined : Date.now() - durationFlag('--since', values.since, { examples: '24h, 7d or 4w' });

  const config = loadConfig({
    path: values.config,
    overrides: { agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'] } } },
    onWarning: warnOnStderr,
  });
  const { stateDir, note } = stateRootForTools(config);
  const report = await collectUsage(stateDir, { session: values.session, sinceMs });
  const since = sinceMs === undefined ? null : new Date(sinceMs).toISOString();
  if (values.json) {
    console.log(JSON.stringify({ stateDir, since, rows: report.rows, totals: report.totals, unrecordedCalls: report.unrecordedCalls }));
    return 0;
  }
  console.log(table(stateDir, since, report, values.session, note));
  return 0;
}

function table(stateDir: string, since: string | null, report: UsageReport, session: string | undefined, note: string | undefined): string {
  const scope = `${session === undefined ? '' : ` for session ${session}`}${since ? ` since ${since}` : ''}`;
  const lines = [`Usage${scope}, from ${stateDir}${note ? ` (${note})` : ''}:`];
  if (report.rows.length === 0) {
    lines.push(
      report.files === 0
        ? '  no session logs here (a worker writes them under <state>/sessions/; --state-dir names another state root)'
        : '  nothing recorded in that range',
    );
    return lines.join('\n');
  }
  const header = ['SESSION', 'MODEL', 'DAY', 'TURNS', 'CALLS', 'INPUT TOKENS', 'OUTPUT TOKENS'];
  const body = report.rows.map((row) => [
    row.session,
    row.model,
    row.day,
    count(row.turns),
    count(row.modelCalls),
    count(row.inputTokens),
    count(row.outputTokens),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...body.map((cells) => cells[i]!.length)));
  const render = (cells: string[]): string =>
    `  ${cells.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`.trimEnd();
  lines.push(render(header), ...body.map(render));
  const { totals } = report;
  lines.push(
    `Total: ${totals.sessions} session(s), ${count(totals.turns)} turn(s), ${count(totals.modelCalls)} model call(s), ` +
      `${count(totals.inputTokens)} input + ${count(totals.outputTokens)} output tokens.`,
  );
  if (report.unrecordedCalls > 0) {
    lines.push(`  (${count(report.unrecordedCalls)} model call(s) from logs written before usage was recorded: their tokens are not counted)`);
  }
  return lines.join('\n');
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
