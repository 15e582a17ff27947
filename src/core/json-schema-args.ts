import type { JsonSchema } from './llm-provider.js';

/**
 * Casts and validates tool arguments against the subset of JSON Schema tools use
 * (type, properties, required, enum, minimum/maximum, length, items). Models often send
 * "3" for 3 or "true" for true; those are cast rather than rejected. Errors read like
 * `missing required count` or `count must be >= 1` so the model can fix its call.
 */
export interface ArgsCheck {
  value: Record<string, unknown>;
  errors: string[];
}

export function checkArgs(schema: JsonSchema, args: Record<string, unknown>): ArgsCheck {
  const errors: string[] = [];
  const value = checkValue(schema, args, '', errors);
  return { value: isPlainObject(value) ? value : args, errors };
}

function checkValue(schema: JsonSchema, input: unknown, path: string, errors: string[]): unknown {
  const label = path || 'arguments';
  const type = schema.type;
  const types = Array.isArray(type) ? (type as string[]) : typeof type === 'string' ? [type] : [];
  let value = types.length > 0 ? cast(input, types) : input;

  if (types.length > 0 && !types.some((t) => matchesType(value, t))) {
    errors.push(`${label} must be ${describeTypes(types)}`);
    return input;
  }
  const enumValues = schema.enum;
  if (Array.isArray(enumValues) && !enumValues.some((e) => e === value)) {
    errors.push(`${label} must be one of: ${enumValues.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (typeof value === 'number') checkNumber(schema, value, label, errors);
  if (typeof value === 'string') checkString(schema, value, label, errors);
  if (Array.isArray(value)) value = checkArray(schema, value, path, errors);
  if (isPlainObject(value) && (schema.properties || schema.required)) {
    value = checkObject(schema, value, path, errors);
  }
  return value;
}

function checkObject(
  schema: JsonSchema,
  input: Record<string, unknown>,
  path: string,
  errors: string[],
): Record<string, unknown> {
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const out: Record<string, unknown> = { ...input };
  for (const key of required) {
    if (!Object.hasOwn(input, key) || input[key] === undefined || input[key] === null) {
      errors.push(`missing required ${join(path, key)}`);
    }
  }
  for (const [key, propSchema] of Object.entries(properties)) {
    if (!Object.hasOwn(input, key) || input[key] === undefined) continue;
    if (input[key] === null && !required.includes(key)) {
      delete out[key];
      continue;
    }
    if (isPlainObject(propSchema)) out[key] = checkValue(propSchema, input[key], join(path, key), errors);
  }
  return out;
}

function checkArray(schema: JsonSchema, input: unknown[], path: string, errors: string[]): unknown[] {
  const label = path || 'arguments';
  if (typeof schema.minItems === 'number' && input.length < schema.minItems) {
    errors.push(`${label} must have at least ${schema.minItems} items`);
  }
  if (typeof schema.maxItems === 'number' && input.length > schema.maxItems) {
    errors.push(`${label} must have at most ${schema.maxItems} items`);
  }
  const items = schema.items;
  if (!isPlainObject(items)) return input;
  return input.map((item, i) => checkValue(items, item, `${label}[${i}]`, errors));
}

function checkNumber(schema: JsonSchema, value: number, label: string, errors: string[]): void {
  if (typeof schema.minimum === 'number' && value < schema.minimum) {
    errors.push(`${label} must be >= ${schema.minimum}`);
  }
  if (typeof schema.maximum === 'number' && value > schema.maximum) {
    errors.push(`${label} must be <= ${schema.maximum}`);
  }
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
    errors.push(`${label} must be > ${schema.exclusiveMinimum}`);
  }
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
    errors.push(`${label} must be < ${schema.exclusiveMaximum}`);
  }
}

function checkString(schema: JsonSchema, value: string, label: string, errors: string[]): void {
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    errors.push(`${label} must be at least ${schema.minLength} characters`);
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    errors.push(`${label} must be at most ${schema.maxLength} characters`);
  }
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

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

function describeTypes(types: string[]): string {
  const names: Record<string, string> = {
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
    array: 'an array',
    object: 'an object',
    null: 'null',
  };
  return types.map((t) => names[t] ?? t).join(' or ');
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
