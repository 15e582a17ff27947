import {
  oneLine,
  toolResultMessage,
  type BuildPromptStep,
  type ChatStep,
  type ChatStepResult,
  type Executor,
  type MessageHandle,
  type RecordStep,
  type ToolStep,
  type ToolStepResult,
} from '../src/core/index.js';

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
export function workflowToolResult(req: ToolStep, text: string, isError: boolean): ToolStepResult {
  return { message: toolResultMessage(req.call, text, req.turnId), isError, preview: oneLine(text, 200) };
}
