import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DESCRIBED, type ArgsSchema, type JsonSchema, type SchemaIssue } from '../core/index.js';

// One validator instance: it caches compiled schemas. Not strict: schemas from MCP servers use
// keywords and formats ajv does not know, which must not stop the tool from working.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });

/**
 * Arguments checked against a full JSON Schema (anyOf, oneOf, $ref, pattern…) — for tools that
 * only have one, such as MCP tools. Throws when the schema itself cannot be compiled.
 */
export function jsonSchemaArgs(schema: JsonSchema): ArgsSchema<Record<string, unknown>> {
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    safeParse(value: unknown) {
      if (validate(value)) return { success: true, data: value as Record<string, unknown> };
      return { success: false, error: { issues: (validate.errors ?? []).map(issueOf) } };
    },
  };
}

function issueOf(error: ErrorObject): SchemaIssue {
  const path = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  const label = path.join('.') || 'arguments';
  return { code: DESCRIBED, path, message: describe(error, label) };
}

/** The same wording zod-checked tools use, so the model reads one style of error. */
function describe(error: ErrorObject, label: string): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `missing required ${label === 'arguments' ? '' : `${label}.`}${String(params.missingProperty)}`;
    case 'type':
      return `${label} must be ${describeTypes(String(params.type).split(','))}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${label} must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'minLength':
      return `${label} must be at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `${label} must be at most ${String(params.limit)} characters`;
    case 'enum':
      return `${label} must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'additionalProperties':
      return `${label} has an unknown field ${JSON.stringify(params.additionalProperty)}`;
    default:
      return `${label} ${error.message ?? 'is invalid'}`;
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
