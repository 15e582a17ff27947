import { z } from 'zod';
import { headTail } from '../core/text.js';
import { toolError, toolOutput, type ToolContext, type ToolResult } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { DEFAULT_DENY_RULES, checkCommand, compileDenyRules, type DenyRule } from './command-guard.js';
import {
  describeForModel,
  prepareLaunch,
  refusalMessage,
  resolveExecIsolation,
  type ExecIsolation,
  type ExecIsolationSettings,
} from './exec-isolation.js';
import { fsError } from './fs-error.js';
import { runProcess, type ProcessResult } from './process-runner.js';
import { executeInSandbox, type SandboxOptions } from './sandbox-client.js';
import { resolveWorkspacePath } from '../workspace/workspace-path.js';

export interface ExecToolOptions {
  workspace: string;
  /** Seconds before the command's whole process group is killed (default 60). */
  timeoutSeconds?: number;
  /** Characters of output returned, head + tail (default 10,000). */
  maxOutputChars?: number;
  /** Replaces the default deny list; strings are regular expressions. `[]` turns it off. */
  denyPatterns?: ReadonlyArray<string | RegExp | DenyRule>;
  /** Run commands in a sandbox pod instead of on this worker. */
  sandbox?: SandboxOptions;
  /** Extra environment variables for commands (trusted: from config, not the model). */
  env?: Record<string, string>;
  /** How commands are kept away from the worker (default: auto — bwrap, else another uid, else refused). */
  isolation?: ExecIsolationSettings;
  /** Time between SIGTERM and SIGKILL (default 1 s). */
  killGraceMs?: number;
  /** How often progress is reported (default 1 s). */
  progressIntervalMs?: number;
}

export const DEFAULT_EXEC_TIMEOUT_SECONDS = 60;
export const DEFAULT_EXEC_MAX_OUTPUT_CHARS = 10_000;
const NOTE_ALLOWANCE = 200;

const ExecArgs = z.object({
  command: z.string().min(1).describe('Shell command, run with /bin/sh -c'),
  working_dir: z.string().optional().describe('Folder to run in, relative to the workspace root (default: the root)'),
});

/** Told to the model instead of silently re-running a command whose first attempt may have run. */
export function interruptedAttemptMessage(command: string): string {
  return (
    'Not run again: the previous attempt of this exec call was interrupted (the worker running it stopped) ' +
    'and may have partly run:\n' +
    `  ${command}\n` +
    'Check the current state first (for example list_dir, read_file, or a read-only command such as `git status`), ' +
    'then call exec again with the command if it is still needed.'
  );
}

/** `exec`: run a shell command in the workspace, isolated from the worker, with a timeout and an output cap. */
export function createExecTool(opts: ExecToolOptions) {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_EXEC_TIMEOUT_SECONDS;
  const maxOutputChars = opts.maxOutputChars ?? DEFAULT_EXEC_MAX_OUTPUT_CHARS;
  const rules = opts.denyPatterns ? compileDenyRules(opts.denyPatterns) : [...DEFAULT_DENY_RULES];
  // Decided once, when the worker builds its tools; the sandbox pod needs no local isolation.
  const runner: { sandbox: SandboxOptions } | { isolation: ExecIsolation } = opts.sandbox
    ? { sandbox: opts.sandbox }
    : { isolation: resolveExecIsolation(opts.isolation) };
  const where =
    'isolation' in runner
      ? describeForModel(runner.isolation)
      : 'Runs in an isolated sandbox pod, not on the agent host; the environment holds no credentials.';
  const killed =
    'isolation' in runner && runner.isolation.kind === 'none'
      ? 'the whole process group is killed, background jobs included'
      : 'everything the command started is killed, background jobs included';
  return defineTool({
    name: 'exec',
    description:
      'Run a shell command (/bin/sh -c) in the workspace or a folder inside it. ' +
      `${where} ` +
      `Times out after ${timeoutSeconds}s (${killed}); ` +
      `output is cut to ${maxOutputChars} characters (head and tail). ` +
      'Prefer read_file/write_file/edit_file for files.',
    args: ExecArgs,
    async execute(args, ctx: ToolContext) {
      const { command, working_dir: workingDir = '.' } = args;
      // Not an error: the model is told what happened and decides.
      if (ctx.previousAttemptInterrupted) return toolOutput(interruptedAttemptMessage(command));
      const refusal = checkCommand(command, rules);
      if (refusal) return toolError(refusal);

      let result: ProcessResult;
      if ('sandbox' in runner) {
        const outcome = await executeInSandbox(
          runner.sandbox,
          { command, workingDir, timeoutSeconds, sessionId: ctx.sessionId },
          ctx.signal,
          ctx.onProgress,
        );
        if (!outcome.ok) return toolError(outcome.error);
        result = outcome.result;
      } else {
        const { isolation } = runner;
        if (isolation.kind === 'refused') return toolError(refusalMessage(isolation));
        let cwd: string;
        try {
          cwd = (await resolveWorkspacePath(opts.workspace, workingDir, 'cwd')).real;
        } catch (error) {
          return fsError(error, `use working_dir ${workingDir}`);
        }
        const { env, launch } = prepareLaunch(isolation, { command, cwd, workspace: opts.workspace, extraEnv: opts.env });
        result = await runProcess({
          command,
          cwd,
          env,
          ...(launch ? { launch } : {}),
          timeoutMs: timeoutSeconds * 1000,
          maxOutputBytes: maxOutputChars,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
          ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
          ...(opts.killGraceMs === undefined ? {} : { killGraceMs: opts.killGraceMs }),
          ...(opts.progressIntervalMs === undefined ? {} : { progressIntervalMs: opts.progressIntervalMs }),
        });
      }
      return formatExecResult(result, { timeoutSeconds, maxOutputChars });
    },
  });
}

/** The text the model sees for a finished (or stopped) command, local or sandboxed alike. */
export function formatExecResult(
  result: ProcessResult,
  limits: { timeoutSeconds: number; maxOutputChars: number },
): ToolResult {
  if (result.spawnError !== undefined) return toolError(`Error: the command could not be started: ${result.spawnError}`);
  const sections: string[] = [];
  if (result.stdout) sections.push(result.stdout.replace(/\n$/, ''));
  if (result.stderr) sections.push(`STDERR:\n${result.stderr.replace(/\n$/, '')}`);
  // Each stream is already capped (with its own "omitted" note); cut again only when both are long.
  const output = headTail(sections.join('\n'), limits.maxOutputChars + NOTE_ALLOWANCE);
  const body = output || '(no output)';

  if (result.cancelled) {
    return toolError(`Error: the command was cancelled and its process group killed.\nOutput before it stopped:\n${body}`);
  }
  if (result.timedOut) {
    return toolError(
      `Error: the command timed out after ${limits.timeoutSeconds}s and its process group was killed. ` +
        'Run long jobs in smaller steps or in the background with their output sent to a file you can read later.\n' +
        `Output before it stopped:\n${body}`,
    );
  }
  if (result.outputLimitExceeded) {
    return toolError(
      `Error: the command wrote more than ${formatBytes(result.stdoutBytes + result.stderrBytes)} of output and was killed. ` +
        `Send large output to a file, or filter it (head, grep).\nOutput:\n${body}`,
    );
  }
  const status =
    result.exitCode !== null ? `Exit code: ${result.exitCode}` : `Killed by signal ${result.signal ?? 'unknown'}`;
  const cut = result.truncated
    ? `\n[output was ${formatBytes(result.stdoutBytes + result.stderrBytes)}; the middle was cut, head and tail kept]`
    : '';
  return toolOutput(`${body}\n${status}${cut}`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} bytes`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
