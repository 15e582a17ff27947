// Where the local stack (`npm start`, `npm run demo`) keeps things when nothing is configured,
// shared with the commands that must find the same folders (`gc`, `usage`, the examples).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { defaultStateDir } from '../storage/state-root.js';
import type { Config } from './schema.js';

/** `<project>/.exoclaw`: the local stack's SQLite history, workspace and state root (git-ignored). */
export function localStackRoot(): string {
  return join(packageRoot(), '.exoclaw');
}

/** True when neither the workspace nor the state root was chosen (flag, environment or config file). */
export function usesBuiltInPaths(config: Config, env: Record<string, string | undefined> = process.env): boolean {
  const builtInWorkspace = join(env['HOME'] || homedir(), '.exoclaw', 'workspace');
  const { workspace, stateDir } = config.agents.defaults;
  return workspace === builtInWorkspace && stateDir === defaultStateDir(workspace);
}

/**
 * The local stack's workspace: the configured one when the user chose it (EXOCLAW_WORKSPACE or
 * a config file), otherwise `<root>/workspace`, so trying things out never touches ~/.exoclaw.
 */
export function localWorkspace(config: Config, root: string, env: Record<string, string | undefined> = process.env): string {
  const builtInDefault = join(env['HOME'] || homedir(), '.exoclaw', 'workspace');
  const configured = config.agents.defaults.workspace;
  return configured === builtInDefault ? join(root, 'workspace') : configured;
}

/** The state root beside the local workspace, unless the user configured one. */
export function localStateDir(config: Config, workspace: string): string {
  const configured = config.agents.defaults.stateDir;
  return configured === defaultStateDir(config.agents.defaults.workspace) ? defaultStateDir(workspace) : configured;
}

export interface ChosenStateRoot {
  stateDir: string;
  /** Why this one, when it is not simply the configured one (printed by the command). */
  note: string | undefined;
}

/**
 * The state root a maintenance command (`gc`, `usage`) works on: the configured one, except that
 * with nothing configured, the local stack's (`<project>/.exoclaw/workspace.state`) is taken when
 * it exists — that is where `npm start` put the state a person just made. The same rule as `up`.
 */
export function stateRootForTools(config: Config, env: Record<string, string | undefined> = process.env): ChosenStateRoot {
  const configured = config.agents.defaults.stateDir;
  if (!usesBuiltInPaths(config, env)) return { stateDir: configured, note: undefined };
  const local = localStateDir(config, localWorkspace(config, localStackRoot(), env));
  if (existsSync(local)) {
    return {
      stateDir: local,
      note: `the local stack's state root (npm start), since no workspace or state root is configured; --state-dir picks another`,
    };
  }
  return { stateDir: configured, note: undefined };
}
