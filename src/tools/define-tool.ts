import type { z } from 'zod';
import { jsonSchemaOf } from '../contract/json-schema.js';
import type { Tool, ToolContext, ToolResult } from '../core/tool.js';

export interface ToolSpec<Schema extends z.ZodType> {
  /** 1-64 letters, digits, `_` or `-`. */
  name: string;
  /** What the model reads to decide when to call it. */
  description: string;
  /** The arguments, once: the model's JSON Schema is derived from it and calls are parsed by it. */
  args: Schema;
  /** Runs with arguments already validated and typed. */
  execute(args: z.output<Schema>, ctx: ToolContext): Promise<ToolResult>;
  /** Text added to the system prompt every turn. */
  systemContext?(): string | Promise<string>;
  /** Quick, local and unable to hang: durable runs may run it as a local activity (see `Tool.bounded`). */
  bounded?: boolean;
}

/**
 * A typed tool from a zod schema:
 *
 *     const weather = defineTool({
 *       name: 'weather',
 *       description: 'Current weather for a city',
 *       args: z.object({ city: z.string() }),
 *       async execute({ city }) { return toolOutput(await lookUp(city)); },
 *     });
 */
export function defineTool<Schema extends z.ZodType>(spec: ToolSpec<Schema>): Tool<z.output<Schema>> {
  const tool: Tool<z.output<Schema>> = {
    name: spec.name,
    description: spec.description,
    parameters: jsonSchemaOf(spec.args),
    args: spec.args as Tool<z.output<Schema>>['args'],
    execute: (args, ctx) => spec.execute(args, ctx),
  };
  if (spec.systemContext) tool.systemContext = () => spec.systemContext!();
  return spec.bounded ? { ...tool, bounded: true } : tool;
}
