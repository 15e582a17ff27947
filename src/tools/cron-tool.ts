import type { Tool } from '../core/tool.js';
import { CRON_DESCRIPTION, CRON_TOOL_NAME, CronArgs } from '../../workflows/session-tool-definitions.js';
import { jsonSchemaOf } from './tool-args.js';

/**
 * `cron` as the model sees it. The session workflow runs it (Temporal Schedules); anywhere else
 * it only explains where it works.
 */
export function createCronTool(): Tool {
  return {
    name: CRON_TOOL_NAME,
    description: CRON_DESCRIPTION,
    parameters: jsonSchemaOf(CronArgs),
    schema: CronArgs,
    execute: () =>
      Promise.resolve(
        'Error: cron is only available inside a session (AgentSessionWorkflow, e.g. `exoclaw-temporal chat`); ' +
          'tell the user to schedule it from a session.',
      ),
  };
}
