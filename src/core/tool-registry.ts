import type { ToolDefinition } from './llm-provider.js';
import type { ToolCall } from './messages.js';
import type { AnyTool, ToolContext, ToolResult } from './tool.js';
import { invalidArgsText, parseToolArgs } from './tool-args.js';

/** Appended to every error result so the model changes course instead of repeating itself. */
export const ERROR_HINT = '\n\n[Analyze the error above and try a different approach.]';

/** Which tools a turn offers: all but `excludeTools`, and only `onlyTools` when that is set. */
export interface ToolSelection {
  excludeTools?: readonly string[];
  onlyTools?: readonly string[];
}

export function isToolOffered(name: string, selection: ToolSelection): boolean {
  if (selection.excludeTools?.includes(name)) return false;
  return selection.onlyTools === undefined || selection.onlyTools.includes(name);
}

/**
 * The tools an agent has: their definitions for the model, and validated execution.
 * Every failure (unknown tool, bad arguments, a tool that throws) becomes an error result the
 * model can read; nothing here throws at the loop.
 */
export class ToolRegistry {
  // A Map, not an object: tool names like `__proto__` or `constructor` must be "unknown".
  private readonly tools = new Map<string, AnyTool>();

  constructor(tools: Iterable<AnyTool> = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: AnyTool): void {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
      throw new Error(`Invalid tool name ${JSON.stringify(tool.name)}: use 1-64 letters, digits, _ or -`);
    }
    this.tools.set(tool.name, tool);
  }

  unregister(name: string): boolean {
    return this.tools.delete(name);
  }

  get(name: string): AnyTool | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get names(): string[] {
    return [...this.tools.keys()];
  }

  /** Names of the tools declared `bounded` (quick, local, cannot hang). */
  boundedNames(): string[] {
    return this.all()
      .filter((tool) => tool.bounded === true)
      .map((tool) => tool.name);
  }

  all(): AnyTool[] {
    return [...this.tools.values()];
  }

  /**
   * Definitions for the model, optionally without some tools (e.g. no `spawn` in subagents) or
   * with only some (`only`, when a client names the tools a turn may use).
   */
  definitions(exclude: readonly string[] = [], only?: readonly string[]): ToolDefinition[] {
    return this.all()
      .filter((tool) => isToolOffered(tool.name, { excludeTools: exclude, onlyTools: only }))
      .map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters }));
  }

  /**
   * The non-blank `systemContext()` sections of the tools, for the system prompt. A tool whose
   * hook throws is reported to `onError` and left out: one broken plugin never blocks a turn.
   */
  async systemContexts(onError: (toolName: string, error: unknown) => void = () => undefined): Promise<string[]> {
    const sections = await Promise.all(
      this.all().map(async (tool) => {
        try {
          return (await tool.systemContext?.()) ?? '';
        } catch (error) {
          onError(tool.name, error);
          return '';
        }
      }),
    );
    return sections.filter((text) => typeof text === 'string' && text.trim().length > 0);
  }

  /** Validates the call's arguments once, against the tool's schema, then runs it. */
  async execute(call: Pick<ToolCall, 'name' | 'arguments' | 'argumentsError'>, ctx: ToolContext): Promise<ToolResult> {
    const tool = this.tools.get(call.name);
    if (!tool) {
      const available = this.names.join(', ') || '(none)';
      return failure(`Error: Tool '${call.name}' not found. Available tools: ${available}`);
    }
    if (call.argumentsError) {
      return failure(`Error: Invalid arguments for ${call.name}: ${call.argumentsError}`);
    }
    const parsed = parseToolArgs(tool, call.arguments);
    if (!parsed.ok) return failure(invalidArgsText(call.name, parsed.problems));
    try {
      const result = await tool.execute(parsed.args, ctx);
      return result.isError ? failure(result.output) : result;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return failure(`Error executing ${call.name}: ${message}`);
    }
  }
}

function failure(message: string): ToolResult {
  return { output: message + ERROR_HINT, isError: true };
}
