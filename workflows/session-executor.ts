import {
  ERROR_HINT,
  invalidArgsText,
  oneLine,
  parseToolArgs,
  toolResultMessage,
  type ArgsSchema,
  type BuildPromptStep,
  type ChatStep,
  type ChatStepResult,
  type Executor,
  type JsonSchema,
  type MessageHandle,
  type RecordStep,
  type ToolResult,
  type ToolStep,
  type ToolStepResult,
} from '../src/core/index.js';
import { jsonSchemaOf } from '../src/contract/index.js';

/** Runs one workflow tool call inside the session workflow. */
export type WorkflowToolRunner = (req: ToolStep) => Promise<ToolStepResult>;

/**
 * The session's executor: the shared ActivityExecutor for everything, except the workflow tools
 * (spawn, cron), which the session runs itself — they need the workflow (child workflows) or
 * the Temporal client (schedules), not a tool registry.
 */
export class SessionExecutor implements Executor {
  constructor(
    private readonly inner: Executor,
    private readonly workflowTools: ReadonlyMap<string, WorkflowToolRunner>,
  ) {}

  get maxIterations(): number | undefined {
    return this.inner.maxIterations;
  }

  buildPrompt(req: BuildPromptStep): Promise<MessageHandle[]> {
    return this.inner.buildPrompt(req);
  }

  chat(req: ChatStep): Promise<ChatStepResult> {
    return this.inner.chat(req);
  }

  executeTool(req: ToolStep): Promise<ToolStepResult> {
    const run = this.workflowTools.get(req.call.name);
    return run ? run(req) : this.inner.executeTool(req);
  }

  record(req: RecordStep): Promise<void> {
    return this.inner.record(req);
  }

  clear(sessionId: string): Promise<boolean> {
    return this.inner.clear(sessionId);
  }
}

/** A workflow tool's answer as the transcript's tool message (small, so it travels inline). */
export function workflowToolResult(req: ToolStep, result: ToolResult | string): ToolStepResult {
  const { output, isError } = typeof result === 'string' ? { output: result, isError: false } : result;
  // Errors get the same hint the tool registry gives, so the model reads one style.
  const text = isError ? output + ERROR_HINT : output;
  return { message: toolResultMessage(req.call, text, req.turnId), isError, preview: oneLine(text, 200) };
}

export function workflowToolError(req: ToolStep, output: string): ToolStepResult {
  return workflowToolResult(req, { output, isError: true });
}

// JSON Schemas derived once per schema (workflow code is deterministic, so a cache is safe).
const parametersCache = new WeakMap<object, JsonSchema>();

/** Validates a workflow tool's arguments exactly as the registry validates any other tool's. */
export function parseWorkflowToolArgs<Args>(
  req: ToolStep,
  name: string,
  schema: ArgsSchema<Args> & Parameters<typeof jsonSchemaOf>[0],
): { ok: true; args: Args } | { ok: false; result: ToolStepResult } {
  if (req.call.argumentsError) {
    return { ok: false, result: workflowToolError(req, `Error: Invalid arguments for ${name}: ${req.call.argumentsError}`) };
  }
  let parameters = parametersCache.get(schema);
  if (!parameters) {
    parameters = jsonSchemaOf(schema);
    parametersCache.set(schema, parameters);
  }
  const parsed = parseToolArgs<Args>({ parameters, args: schema }, req.call.arguments);
  if (parsed.ok) return parsed;
  return { ok: false, result: workflowToolError(req, invalidArgsText(name, parsed.problems)) };
}
