import type { Tool } from '../core/tool.js';
import { SPAWN_DESCRIPTION, SPAWN_TOOL_NAME, SpawnArgs } from '../../workflows/session-tool-definitions.js';
import { jsonSchemaOf } from './tool-args.js';

/**
 * `spawn` as the model sees it. The session workflow runs it (as a child workflow); anywhere
 * else it only explains where it works, so a plain turn cannot misuse it.
 */
export function createSpawnTool(): Tool {
  return {
    name: SPAWN_TOOL_NAME,
    description: SPAWN_DESCRIPTION,
    parameters: jsonSchemaOf(SpawnArgs),
    schema: SpawnArgs,
    execute: () =>
      Promise.resolve(
        'Error: spawn is only available inside a session (AgentSessionWorkflow, e.g. `exoclaw-temporal chat`); ' +
          'do the task yourself instead.',
      ),
  };
}
