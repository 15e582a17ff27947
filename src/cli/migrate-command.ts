import { loadConfig } from '../config.js';
import { migrateNanobotSessions, type MigrationResult, type SessionMigration } from '../conversation/migrate-nanobot-sessions.js';
import { createLogger } from '../logger.js';
import { STATE_ROOT_FLAGS, UsageError } from './common-flags.js';
import { parseFlags } from './parse-flags.js';

export const MIGRATE_HELP = `Usage: exoclaw-temporal migrate [--dry-run] [--json] [--workspace DIR] [--state-dir DIR] [--config FILE]

Converts nanobot's session files (also the Python exoclaw-temporal's: sessions/<key>.jsonl with a
"_type": "metadata" first line) into this runtime's, so those conversations continue with their
history: send to the nanobot key (e.g. telegram:42) as the session id. memory/MEMORY.md and
HISTORY.md stay in the workspace and are read as they are. Files are looked for in
<workspace>/sessions/ and <state>/sessions/ (where a worker's first start moves them); each is
written to <state>/sessions/ under the session's lock, then moved to
<state>/backups/nanobot-sessions/<time>/. A session that already has turns here gets the nanobot
history before them. Running it again changes nothing. Stop nanobot first: it rewrites its files.
Needs only the workspace and the state root, not Temporal; safe while workers run.
  --dry-run        list what would be converted, change nothing
  --json           print one JSON object
  --workspace DIR  the workspace (default: config; for ~/.nanobot/config.json, ~/.nanobot/workspace)
  --state-dir DIR  the state root (default: config, else <workspace>.state)
  --config FILE    config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)`;

export async function migrateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...STATE_ROOT_FLAGS,
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`migrate takes no arguments (got "${positionals.join(' ')}").`);
  const config = loadConfig({
    path: values.config,
    overrides: { agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'] } } },
  });
  const { workspace, stateDir } = config.agents.defaults;
  const result = await migrateNanobotSessions({
    workspace,
    stateDir,
    dryRun: values['dry-run'],
    logger: createLogger({ level: process.env['EXOCLAW_LOG_LEVEL'] ?? 'warn' }),
  });
  console.log(values.json ? JSON.stringify(result) : summary(result));
  // Something left in place that the operator has to look at: say so in the exit code too.
  return result.sessions.some((session) => session.action === 'conflict' || session.action === 'skip') ? 1 : 0;
}

const VERB: Record<SessionMigration['action'], [dry: string, done: string]> = {
  convert: ['would convert', 'converted'],
  merge: ['would merge', 'merged'],
  already: ['already converted', 'already converted'],
  conflict: ['conflict', 'conflict'],
  skip: ['skipped', 'skipped'],
};

function summary(result: MigrationResult): string {
  const nanobot = result.sessions;
  if (nanobot.length === 0) {
    return `No nanobot session files in ${result.workspace}/sessions or ${result.stateDir}/sessions: nothing to migrate.`;
  }
  const lines = [`${result.dryRun ? 'Dry run: nothing is changed.' : 'Migrated nanobot sessions'} (workspace ${result.workspace}, state ${result.stateDir}):`];
  for (const session of nanobot) {
    const verb = VERB[session.action][result.dryRun ? 0 : 1];
    const what = session.key === undefined ? session.source : `${session.source} → session ${JSON.stringify(session.key)}`;
    const counts =
      session.messages === undefined
        ? ''
        : ` (${session.messages} message(s)${session.existing ? `, before the ${session.existing} already here` : ''}` +
          `${session.summarised ? `, ${session.summarised} already summarised into memory` : ''}` +
          `${session.skippedLines ? `, ${session.skippedLines} unreadable line(s) left out` : ''})`;
    lines.push(`  ${verb.padEnd(17)} ${what}${counts}`);
    if (session.reason) lines.push(`  ${''.padEnd(17)} ${session.reason}`);
  }
  const moved = nanobot.filter((session) => session.backup !== undefined).length;
  if (moved > 0) lines.push(`Originals moved to ${result.backupDir}.`);
  if (result.dryRun && nanobot.some((session) => session.action === 'convert' || session.action === 'merge')) {
    lines.push(`Run without --dry-run to convert; originals will be moved to ${result.backupDir.replace(/\/[^/]+$/, '/<time>')}.`);
  }
  return lines.join('\n');
}
