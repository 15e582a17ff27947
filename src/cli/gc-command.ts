import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { localStackRoot, stateRootForTools } from '../config/local-stack-defaults.js';
import {
  DEFAULT_STATE_RETENTION_MS,
  RetentionTooShortError,
  sweepState,
  type SweepResult,
} from '../storage/index.js';
import { openEventStore, type TrimResult } from '../events/index.js';
import { STATE_ROOT_FLAGS, UsageError, warnOnStderr } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { parseFlags } from './parse-flags.js';

export const GC_HELP = `Usage: exoclaw-temporal gc [--older-than 7d] [--dry-run] [--json] [--force] [--state-dir DIR]

Deletes runtime state in the state root (blobs/, tool-calls/, tool-outputs/, leases/,
channel-deliveries/, channel-streams/) not
modified for longer than --older-than, and the folders left empty, and trims the session event
streams (events/, or Redis with events.redisUrl) to events newer than that, keeping each
stream's last event so its numbering goes on. Never touches sessions/,
the agent's workspace or anything outside the state root, and never follows a link; skips
leases still held. Safe to run while workers run (e.g. daily from cron). Needs only the state
root, not Temporal.
  --older-than D   retention (default 7d; e.g. 48h, 7d, 2w). Must exceed the longest turn
                   plus its retries, so below 48h is refused unless --force
  --dry-run        report what would be deleted, delete nothing
  --json           print one JSON object
  --force          allow a retention below 48h (only when no turn can still be running)
  --include-payloads  also sweep payloads/ (large Temporal payloads kept outside history).
                   Replaying a workflow reads them again, so only when no open workflow (an
                   idle session, say) and no history you still inspect is older than D
  --state-dir DIR  the state root (default: config, else <workspace>.state)
  --workspace DIR  the workspace, to find the default state root (default: config, ~/.exoclaw/workspace)
With no workspace or state root configured, gc sweeps the local stack's state root
(<project>/.exoclaw/workspace.state, what npm start uses) when it exists; it prints which one.
  --config FILE    config file (default: $EXOCLAW_CONFIG, else ~/.nanobot/config.json)`;

export async function gcCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    allowPositionals: true,
    options: {
      ...STATE_ROOT_FLAGS,
      'older-than': { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
      'include-payloads': { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`gc takes no arguments (got "${positionals.join(' ')}").`);
  const olderThan = values['older-than'];
  const olderThanMs =
    olderThan === undefined ? DEFAULT_STATE_RETENTION_MS : durationFlag('--older-than', olderThan, { examples: '7d or 48h', allowZero: true });

  const config = loadConfig({
    path: values.config,
    overrides: { agents: { defaults: { workspace: values.workspace, stateDir: values['state-dir'] } } },
    onWarning: warnOnStderr,
  });
  const { stateDir, note } = stateRootForTools(config);
  let result: SweepResult;
  let events: TrimResult & { backend: string };
  try {
    result = await sweepState(stateDir, { olderThanMs, dryRun: values['dry-run'],
      force: values.force,
      includePayloads: values['include-payloads'],
    });
    const store = openEventStore({ stateDir, redisUrl: config.events.redisUrl });
    try {
      events = { backend: store.kind, ...(await store.trim(result.cutoff, { dryRun: values['dry-run'] })) };
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof RetentionTooShortError) throw new UsageError(`${error.message} (--force)`);
    throw error;
  }
  if (values.json) {
    console.log(JSON.stringify({ stateDir, olderThanMs, ...result, cutoff: new Date(result.cutoff).toISOString(), events }));
  } else {
    console.log(summary(stateDir, result, note));
    if (events.removedEvents > 0 || events.backend === 'redis') {
      const verb = result.dryRun ? 'would trim' : 'trimmed';
      console.log(`  events       ${verb} ${events.removedEvents} event(s) from ${events.sessions} session stream(s) (${events.backend})`);
    }
  }
  return 0;
}

function summary(stateDir: string, result: SweepResult, note: string | undefined): string {
  const verb = result.dryRun ? 'Would remove' : 'Removed';
  const lines = [
    `${verb} ${result.removedFiles} file(s), ${formatBytes(result.removedBytes)}, from ${stateDir} ` +
      `(not modified since ${new Date(result.cutoff).toISOString()}); kept ${result.keptFiles}.`,
  ];
  if (note) lines.push(`  (${note})`);
  for (const [kind, tally] of Object.entries(result.byKind)) {
    lines.push(`  ${kind.padEnd(13)} ${String(tally.removed).padStart(6)} removed  ${formatBytes(tally.bytes).padStart(10)}  ${tally.kept} kept`);
  }
  if (result.removedDirs > 0) lines.push(`  ${result.dryRun ? 'would remove' : 'removed'} ${result.removedDirs} empty folder(s)`);
  if (Object.keys(result.byKind).length === 0) {
    lines.push(
      `  (no runtime state found in ${stateDir}: a worker keeps it in <workspace>.state, the local stack in ` +
        `${displayHome(stateRootHint())}; --state-dir names the one to sweep)`,
    );
  }
  return lines.join('\n');
}

/** The local stack's state root, for the hint when nothing was found. */
function stateRootHint(): string {
  return join(localStackRoot(), 'workspace.state');
}

function displayHome(path: string): string {
  const home = homedir();
  return path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
