import { z } from 'zod';
import type { JsonSchema } from '../core/index.js';

/** The JSON Schema the model sees for a zod schema (its input side: defaults are optional). */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  delete json.$schema; // providers want the bare schema object
  return json;
}
