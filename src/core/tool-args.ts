import { castArgs } from './cast-args.js';
import type { SchemaIssue, Tool } from './tool.js';

/** The issue code of a validator that words its messages itself (e.g. the JSON Schema one). */
export const DESCRIBED = 'described';

export type ParsedToolArgs<Args> = { ok: true; args: Args } | { ok: false; problems: string[] };

/**
 * The one place a tool's arguments are checked: cast by the JSON Schema the model saw
 * ("3" → 3), then parsed by the tool's own schema. Problems read like `missing required count`
 * or `count must be >= 1`, so the model can fix its call.
 */
export function parseToolArgs<Args>(
  tool: Pick<Tool<Args>, 'parameters' | 'args'>,
  raw: Record<string, unknown>,
): ParsedToolArgs<Args> {
  const cast = castArgs(tool.parameters, raw);
  const parsed = tool.args.safeParse(cast);
  if (parsed.success) return { ok: true, args: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => describeIssue(issue, cast)) };
}

/** The error text for arguments a tool refused. */
export function invalidArgsText(toolName: string, problems: readonly string[]): string {
  return `Error: Invalid parameters for tool '${toolName}': ${problems.join('; ')}`;
}

/** Turns a schema issue into the wording the model sees. */
function describeIssue(issue: SchemaIssue, args: Record<string, unknown>): string {
  if (issue.code === DESCRIBED) return issue.message;
  const label = issue.path.map(String).join('.') || 'arguments';
  // zod leaves `input` out of issues, so look the value up: only an absent one is "missing".
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
