/**
 * Walks the config's zod schema beside a value: which keys it does not know, and what kind of
 * value a path holds (so an environment variable's text can be read as a number, a boolean or
 * JSON). Reads zod's definitions only; never validates.
 */

interface SchemaDef {
  type: string;
  innerType?: SchemaLike;
  in?: SchemaLike;
  shape?: Record<string, SchemaLike>;
  valueType?: SchemaLike;
  element?: SchemaLike;
}
export interface SchemaLike {
  _zod: { def: SchemaDef };
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The definition under defaults, optionals and transforms. */
function unwrap(schema: SchemaLike): SchemaDef {
  let def = schema._zod.def;
  for (;;) {
    if (WRAPPERS.has(def.type) && def.innerType) def = def.innerType._zod.def;
    else if (def.type === 'pipe' && def.in) def = def.in._zod.def;
    else return def;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key the schema does not know, and the keys it does know at that place (for "did you mean"). */
export interface UnknownKey {
  path: string[];
  known: string[];
}

/** Keys in `value` that the schema does not know. */
export function collectUnknown(schema: SchemaLike, value: unknown, path: string[] = [], found: UnknownKey[] = []): UnknownKey[] {
  const def = unwrap(schema);
  if (def.type === 'object' && def.shape && isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const childSchema = def.shape[key];
      if (childSchema) collectUnknown(childSchema, child, [...path, key], found);
      else found.push({ path: [...path, key], known: Object.keys(def.shape) });
    }
  } else if (def.type === 'record' && def.valueType && isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) collectUnknown(def.valueType, child, [...path, key], found);
  } else if (def.type === 'array' && def.element && Array.isArray(value)) {
    value.forEach((item, i) => collectUnknown(def.element!, item, [...path, String(i)], found));
  }
  return found;
}

/** The zod type name at `path` ("number", "boolean", "object", "record", "array", "string", …), or undefined when the schema has no such key. */
export function kindAt(schema: SchemaLike, path: readonly string[]): string | undefined {
  let def = unwrap(schema);
  for (const key of path) {
    let next: SchemaLike | undefined;
    if (def.type === 'object') next = def.shape?.[key];
    else if (def.type === 'record') next = def.valueType;
    else if (def.type === 'array') next = def.element;
    if (!next) return undefined;
    def = unwrap(next);
  }
  return def.type;
}
