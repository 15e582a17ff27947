import { z } from 'zod';
import type { JsonSchema } from '../core/llm-provider.js';

/**
 * Tools declare their arguments once, as a zod object: the JSON Schema the model sees is derived
 * from it, and `parseArgs` re-checks inside `execute` (the registry already validated and cast,
 * but a tool may also be called directly).
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  delete json.$schema; // providers want the bare schema object
  return json;
}

export type ParsedArgs<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseArgs<T>(schema: z.ZodType<T>, args: Record<string, unknown>, toolName: string): ParsedArgs<T> {
  const parsed = schema.safeParse(args);
  if (parsed.success) return { ok: true, value: parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const label = issue.path.map(String).join('.') || 'arguments';
    return `${label}: ${issue.message}`;
  });
  return { ok: false, error: `Error: Invalid parameters for tool '${toolName}': ${problems.join('; ')}` };
}
