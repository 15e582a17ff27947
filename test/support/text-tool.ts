import { invalidArgsText, parseToolArgs, type Tool, type ToolContext, type ToolResult } from '../../src/core/index.js';

/** A tool whose calls answer with their output text: what the model would read, minus the registry's hint. */
export interface TextTool<Args> {
  readonly tool: Tool<Args>;
  readonly name: string;
  execute(raw: Record<string, unknown>, ctx?: ToolContext): Promise<string>;
  /** The whole result (output, isError, replied). */
  call(raw: Record<string, unknown>, ctx?: ToolContext): Promise<ToolResult>;
}

/** Calls a tool as the registry would (arguments parsed by its schema first), for tests that read text. */
export function textTool<Args>(tool: Tool<Args>): TextTool<Args> {
  const call = async (raw: Record<string, unknown>, ctx: ToolContext = { sessionId: 'test' }): Promise<ToolResult> => {
    const parsed = parseToolArgs(tool, raw);
    if (!parsed.ok) return { output: invalidArgsText(tool.name, parsed.problems), isError: true };
    return tool.execute(parsed.args, ctx);
  };
  return {
    tool,
    name: tool.name,
    call,
    execute: async (raw, ctx) => (await call(raw, ctx)).output,
  };
}
