// The "workflow tools": the model sees them like any tool, but a session workflow runs them
// itself (spawn starts a child workflow, cron manages Temporal Schedules). Pure data + zod, so
// both the workflow sandbox and the Node-side tool registry can import it.
import { z } from 'zod';

export const SPAWN_TOOL_NAME = 'spawn';
export const CRON_TOOL_NAME = 'cron';

/** Tools only a session workflow can run; every other runtime hides them from the model. */
export const SESSION_ONLY_TOOLS: readonly string[] = [SPAWN_TOOL_NAME, CRON_TOOL_NAME];

/** `excludeTools` plus the session-only tools, without duplicates. */
export function withSessionOnlyTools(excludeTools: readonly string[] = []): string[] {
  return [...new Set([...excludeTools, ...SESSION_ONLY_TOOLS])];
}

export const SpawnArgs = z.object({
  task: z.string().trim().min(1).max(20_000).describe('What the subagent should do, with everything it needs to know'),
  label: z.string().trim().min(1).max(60).optional().describe('A short name for the task, shown in status and in the report'),
});
export type SpawnArgs = z.infer<typeof SpawnArgs>;

export const SPAWN_DESCRIPTION =
  'Start a subagent that works on a task in the background, with its own conversation and the same tools ' +
  '(except spawn and cron). It returns at once; when the subagent finishes, its result arrives in this ' +
  'conversation as a new message. Use it for independent, longer tasks; do not wait or poll for it.';

export const CronArgs = z.object({
  action: z.enum(['add', 'list', 'remove']).describe('add a job, list this session’s jobs, or remove one'),
  message: z.string().trim().min(1).max(4_000).optional().describe('add: the message this session receives when the job fires'),
  every_seconds: z.number().int().min(1).max(31_536_000).optional().describe('add: repeat every N seconds'),
  cron_expr: z.string().trim().min(1).max(200).optional().describe('add: a cron expression, e.g. "0 9 * * 1-5"'),
  tz: z.string().trim().min(1).max(64).optional().describe('add: IANA time zone for cron_expr, e.g. "Europe/Berlin" (default UTC)'),
  at: z.string().trim().min(1).max(64).optional().describe('add: one-shot ISO time, e.g. "2030-01-31T09:00:00Z"; the job deletes itself after firing'),
  job_id: z.string().trim().min(1).max(64).optional().describe('remove: the job id shown by add or list'),
});
export type CronArgs = z.infer<typeof CronArgs>;

export const CRON_DESCRIPTION =
  'Schedule messages to this conversation: reminders and recurring tasks. action=add needs message and exactly ' +
  'one of every_seconds, cron_expr (+ optional tz) or at (one-shot ISO time). action=list shows the jobs; ' +
  'action=remove needs job_id. A scheduled run cannot add further jobs.';

/** Zod issues as one line the model can act on. */
export function describeArgsError(tool: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) => `${issue.path.map(String).join('.') || 'arguments'}: ${issue.message}`);
  return `Error: Invalid parameters for tool '${tool}': ${problems.join('; ')}`;
}
