import type { ToolDefinition } from './llm-provider.js';
import type { ToolCall } from './messages.js';
import type { SchemaIssue, Tool, ToolContext } from './tool.js';
import { checkArgs, isPlainObject } from './json-schema-args.js';

/** Appended to every error result so the model changes course instead of repeating itself. */
export const ERROR_HINT = '\n\n[Analyze the error above and try a different approach.]';

export interface ToolOutcome {
  result: string;
  isError: boolean;
  /** The tool reported that it already answered the current chat. */
  sentInTurn: boolean;
}

/**
 * The tools an agent has: their definitions for the model, and validated execution.
 * Every failure (unknown tool, bad arguments, a tool that throws) becomes an error result the
 * model can read; nothing here throws at the loop.
 */
export class ToolRegistry {
  // A Map, not an object: tool names like `__proto__` or `constructor` must be "unknown".
  private readonly tools = new Map<string, Tool>();

  constructor(tools: Iterable<Tool> = []) {
    for (const tool of tools) this.register(tool);
  }

  register(tool: Tool): void {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) {
      throw new Error(`Invalid tool name ${JSON.stringify(tool.name)}: use 1-64 letters, digits, _ or -`);
    }
    this.tools.set(tool.name, tool);
  }

  unregister(name: string): boolean {
    return this.tools.delete(name);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  has(name: string): boolean {
    return this.tools.has(name);
  }

  get names(): string[] {
    return [...this.tools.keys()];
  }

  all(): Tool[] {
    return [...this.tools.values()];
  }

  /** Definitions for the model, optionally without some tools (e.g. no `spawn` in subagents). */
  definitions(exclude: readonly string[] = []): ToolDefinition[] {
    return this.all()
      .filter((tool) => !exclude.includes(tool.name))
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

  /** Validates arguments; returns the cast arguments or the readable problems. */
  validate(tool: Tool, args: Record<string, unknown>): { args: Record<string, unknown>; errors: string[] } {
    if (tool.schema) {
      // Cast ("3" -> 3, "true" -> true) by the JSON Schema the model saw; zod has the final word.
      const cast = checkArgs(tool.parameters, args).value;
      const parsed = tool.schema.safeParse(cast);
      if (parsed.success) return { args: isPlainObject(parsed.data) ? parsed.data : cast, errors: [] };
      return { args, errors: parsed.error.issues.map((issue) => describeIssue(issue, cast)) };
    }
    const checked = checkArgs(tool.parameters, args);
    return { args: checked.value, errors: checked.errors };
  }

  async execute(call: Pick<ToolCall, 'name' | 'arguments' | 'argumentsError'>, ctx: ToolContext): Promise<ToolOutcome> {
    const tool = this.tools.get(call.name);
    if (!tool) {
      const available = this.names.join(', ') || '(none)';
      return failure(`Error: Tool '${call.name}' not found. Available tools: ${available}`);
    }
    if (call.argumentsError) {
      return failure(`Error: Invalid arguments for ${call.name}: ${call.argumentsError}`);
    }
    const { args, errors } = this.validate(tool, call.arguments);
    if (errors.length > 0) {
      return failure(`Error: Invalid parameters for tool '${call.name}': ${errors.join('; ')}`);
    }
    try {
      tool.sentInTurn = false;
      const result = await tool.execute(args, ctx);
      const sentInTurn = sentInTurnOf(tool); // the tool may have set it while executing
      if (typeof result === 'string' && result.startsWith('Error')) {
        return { result: result + ERROR_HINT, isError: true, sentInTurn };
      }
      return { result: String(result), isError: false, sentInTurn };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return failure(`Error executing ${call.name}: ${message}`);
    }
  }
}

function sentInTurnOf(tool: Tool): boolean {
  return tool.sentInTurn === true;
}

function failure(message: string): ToolOutcome {
  return { result: message + ERROR_HINT, isError: true, sentInTurn: false };
}

/** Turns a zod issue into the same wording the JSON Schema checker uses. */
function describeIssue(issue: SchemaIssue, args: Record<string, unknown>): string {
  const label = issue.path.map(String).join('.') || 'arguments';
  // zod v4 leaves `input` out of issues, so look the value up: only an absent one is "missing".
  if (issue.code === 'invalid_type' && valueAt(args, issue.path) == null) return `missing required ${label}`;
  if (issue.code === 'too_small' && issue.minimum !== undefined && issue.origin === 'number') {
    return `${label} must be ${issue.inclusive === false ? '>' : '>='} ${issue.minimum}`;
  }
  if (issue.code === 'too_big' && issue.maximum !== undefined && issue.origin === 'number') {
    return `${label} must be ${issue.inclusive === false ? '<' : '<='} ${issue.maximum}`;
  }
  return `${label}: ${issue.message}`;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || typeof key === 'symbol' || !Object.hasOwn(value, key)) {
      return undefined;
    }
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}
