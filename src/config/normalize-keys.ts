/**
 * nanobot configs are written in camelCase or snake_case (`maxTokens` / `max_tokens`).
 * Keys are normalised to camelCase before validation, except where the keys are the user's
 * own names: provider names and MCP server names keep their spelling (their values are still
 * normalised), and header/env maps are copied verbatim (`X-Api_Key` or `MY_VAR` must survive).
 */

/** Maps whose keys are names chosen by the user; values are still normalised. */
const USER_KEYED_MAPS: readonly string[][] = [['providers'], ['tools', 'mcpServers']];

/** Subtrees copied exactly as written. */
const VERBATIM_SUBTREES: readonly string[][] = [
  ['providers', '*', 'extraHeaders'],
  ['tools', 'mcpServers', '*', 'env'],
  ['tools', 'exec', 'env'],
  ['tools', 'mcpServers', '*', 'headers'],
];

export function snakeToCamel(key: string): string {
  return key.replace(/([a-z0-9])_+([a-z0-9])/gi, (_match, before: string, after: string) => before + after.toUpperCase());
}

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((part, i) => part === '*' || part === path[i]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Returns a copy of `value` with camelCase keys. Problems (the same key given in both
 * spellings) are pushed onto `problems` as `path: message` strings.
 */
export function normalizeKeys(value: unknown, problems: string[] = [], path: readonly string[] = []): unknown {
  if (Array.isArray(value)) return value.map((item) => normalizeKeys(item, problems, path));
  if (!isPlainObject(value)) return value;
  if (VERBATIM_SUBTREES.some((pattern) => matches(pattern, path))) return { ...value };

  const userKeyed = USER_KEYED_MAPS.some((pattern) => matches(pattern, path));
  const result: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  for (const [rawKey, child] of Object.entries(value)) {
    const key = userKeyed ? rawKey : snakeToCamel(rawKey);
    const earlier = spelledAs.get(key);
    if (earlier !== undefined) {
      const where = [...path, key].join('.');
      problems.push(`${where}: set twice (as "${earlier}" and "${rawKey}"); keep one spelling`);
      continue;
    }
    spelledAs.set(key, rawKey);
    const childPath = [...path, userKeyed ? '*' : key];
    // defineProperty: a `__proto__` key in a JSON file must stay a plain key, not a prototype.
    Object.defineProperty(result, key, {
      value: normalizeKeys(child, problems, childPath),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}
