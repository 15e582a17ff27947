import { CRON_DESCRIPTION, CRON_TOOL_NAME, CronArgs } from '../contract/index.js';
import { toolError } from '../core/tool.js';
import { defineTool } from './define-tool.js';

/**
 * `cron` as the model sees it. The session workflow runs it (Temporal Schedules); anywhere else
 * it only explains where it works.
 */
export function createCronTool() {
  return defineTool({
    name: CRON_TOOL_NAME,
    description: CRON_DESCRIPTION,
    args: CronArgs,
    execute: () =>
      Promise.resolve(
        toolError(
          'Error: cron is only available inside a session (AgentSessionWorkflow, e.g. `exoclaw-temporal chat`); ' +
            'tell the user to schedule it from a session.',
        ),
      ),
  });
}
