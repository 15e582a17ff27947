import { toolOutput, type JsonSchema, type Tool, type ToolContext, type ToolResult } from '../../../src/core/index.js';
import { jsonSchemaArgs } from '../../../src/tools/json-schema-args.js';

/**
 * A minimal Tool for tests, with JSON Schema arguments (checked like an MCP tool's). `execute`
 * may return plain text for a successful result; extra fields can be passed through `extra`.
 */
export function makeTool(
  name: string,
  execute: (args: Record<string, unknown>, ctx: ToolContext) => Promise<string | ToolResult> | string | ToolResult,
  opts: { parameters?: JsonSchema; description?: string } & Partial<Tool<Record<string, unknown>>> & Record<string, unknown> = {},
): Tool<Record<string, unknown>> {
  const { parameters = { type: 'object', properties: {} }, description, ...extra } = opts;
  return {
    name,
    description: description ?? `test tool ${name}`,
    parameters,
    args: jsonSchemaArgs(parameters),
    async execute(args, ctx) {
      const result = await execute(args, ctx);
      return typeof result === 'string' ? toolOutput(result) : result;
    },
    ...extra,
  };
}

/** A promise plus its resolve function, for making two async things wait on each other. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `signal` to abort, then rejects like an abortable I/O call would. */
export function untilAborted(signal: ToolContext['signal']): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = (): void => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
