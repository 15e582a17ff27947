import { SPAWN_DESCRIPTION, SPAWN_TOOL_NAME, SpawnArgs } from '../contract/index.js';
import { toolError } from '../core/tool.js';
import { defineTool } from './define-tool.js';

/**
 * `spawn` as the model sees it. The session workflow runs it (as a child workflow); anywhere
 * else it only explains where it works, so a plain turn cannot misuse it.
 */
export function createSpawnTool() {
  return defineTool({
    name: SPAWN_TOOL_NAME,
    description: SPAWN_DESCRIPTION,
    args: SpawnArgs,
    execute: () =>
      Promise.resolve(
        toolError(
          'Error: spawn is only available inside a session (AgentSessionWorkflow, e.g. `exoclaw-temporal chat`); ' +
            'do the task yourself instead.',
        ),
      ),
  });
}
