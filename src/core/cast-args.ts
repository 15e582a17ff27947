import type { JsonSchema } from './llm-provider.js';

/**
 * Models often send "3" for 3, "true" for true or a JSON string for an object. Before a tool's
 * schema has its say, such values are cast by the JSON Schema the model was shown (its `type`,
 * `properties` and `items`); anything that does not cast cleanly is left for the schema to refuse.
 */
export function castArgs(schema: JsonSchema, args: Record<string, unknown>): Record<string, unknown> {
  const value = castValue(schema, args);
  return isPlainObject(value) ? value : args;
}

function castValue(schema: JsonSchema, input: unknown): unknown {
  const types = typesOf(schema);
  const value = types.length > 0 ? cast(input, types) : input;
  if (Array.isArray(value) && isPlainObject(schema.items)) {
    const items = schema.items;
    return value.map((item) => castValue(items, item));
  }
  if (isPlainObject(value) && isPlainObject(schema.properties)) {
    const out: Record<string, unknown> = { ...value };
    for (const [key, propSchema] of Object.entries(schema.properties)) {
      if (!Object.hasOwn(value, key) || !isPlainObject(propSchema)) continue;
      // An explicit null for an optional field means "not given".
      if (value[key] === null && !requiredOf(schema).includes(key)) delete out[key];
      else out[key] = castValue(propSchema, value[key]);
    }
    return out;
  }
  return value;
}

function typesOf(schema: JsonSchema): string[] {
  const type = schema.type;
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === 'string');
  return typeof type === 'string' ? [type] : [];
}

function requiredOf(schema: JsonSchema): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
}

function cast(value: unknown, types: string[]): unknown {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(trimmed)) {
      return Number(trimmed);
    }
    if (types.includes('boolean') && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
    if ((types.includes('array') || types.includes('object')) && /^[[{]/.test(trimmed)) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        return value;
      }
    }
  }
  if (typeof value === 'number' && types.includes('string') && !types.includes('number')) return String(value);
  return value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
