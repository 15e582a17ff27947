import { ConfigError } from './config-error.js';
import type { Config } from './schema.js';

/**
 * `tools.restrictToWorkspace: false` (nanobot's default, so in every config nanobot wrote) let
 * nanobot's file tools and shell reach the whole host. Here tools are always confined to the
 * workspace and exec is isolated from the worker (docs/security.md), and there is no mode that
 * lifts that. Accepting `false` and doing nothing would leave an operator believing the agent
 * reaches what it cannot, so whatever builds tools refuses it, with the one-line fix.
 */
export function assertToolsConfined(config: Pick<Config, 'tools' | 'sourcePath'>): void {
  if (config.tools.restrictToWorkspace !== false) return;
  throw new ConfigError(
    [
      'tools.restrictToWorkspace: false asks for tools that reach outside the workspace, as nanobot\'s did; ' +
        'here the file tools and exec are always confined to the workspace (docs/security.md). ' +
        'Set "restrictToWorkspace": true (nanobot then confines its own tools too) or EXOCLAW_RESTRICT_TO_WORKSPACE=true, ' +
        'and start again (docs/migrating.md)',
    ],
    config.sourcePath,
  );
}
