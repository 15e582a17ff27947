/**
 * nanobot's environment variables. nanobot's `Config` is a pydantic-settings model with the prefix
 * `NANOBOT_` and `__` between levels, so `NANOBOT_AGENTS__DEFAULTS__MODEL` sets
 * `agents.defaults.model` and `NANOBOT_PROVIDERS__ANTHROPIC__API_KEY` a provider key (names are
 * case-insensitive; a whole section may be given as JSON, `NANOBOT_TOOLS='{"exec": …}'`).
 * pydantic-settings lets the config file win over them: they only fill what the file leaves
 * unset. They are honoured the same way here, below the file; `EXOCLAW_*` variables and flags
 * still override the file.
 */
import { ENV_OVERRIDES, parseEnvValue } from './env-overrides.js';
import { normalizeKeys, snakeToCamel } from './normalize-keys.js';
import { kindAt, type SchemaLike } from './schema-walk.js';

/** The top-level fields of nanobot's Config: the only first segments its settings source reads. */
const NANOBOT_SECTIONS = new Set(['agents', 'channels', 'providers', 'gateway', 'tools', 'skills', 'router']);
const PREFIX = 'NANOBOT_';

export interface NanobotEnvSetting {
  /** The variable as spelled in the environment. */
  name: string;
  /** camelCase config path. */
  path: string[];
  value: unknown;
}

/** The config path for nanobot's env segments: user-chosen names (providers, MCP servers) keep their spelling. */
function configPath(segments: readonly string[]): string[] {
  return segments.map((segment, i) => {
    const userName = (i === 1 && segments[0] === 'providers') || (i === 2 && segments[0] === 'tools' && snakeToCamel(segments[1]!) === 'mcpServers');
    return userName ? segment : snakeToCamel(segment);
  });
}

function parseJson(raw: string): unknown {
  const text = raw.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return raw;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return raw; // left as text: validation then names the variable
  }
}

/**
 * Every `NANOBOT_*` setting in `env`, read as nanobot's settings source reads it. Variables outside
 * nanobot's sections are ignored as nanobot ignores them; `notes` explains the one the Python
 * reference's deployment sets although nanobot never read it (`NANOBOT_WORKSPACE`).
 */
export function readNanobotEnv(env: Record<string, string | undefined>, schema: SchemaLike): { settings: NanobotEnvSetting[]; notes: string[] } {
  const settings: NanobotEnvSetting[] = [];
  const notes: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || raw.trim() === '' || name.length <= PREFIX.length || name.slice(0, PREFIX.length).toUpperCase() !== PREFIX) continue;
    const segments = name.slice(PREFIX.length).toLowerCase().split('__');
    if (!NANOBOT_SECTIONS.has(segments[0]!)) {
      if (segments.length === 1 && segments[0] === 'workspace') {
        const exoclaw = ENV_OVERRIDES.find((o) => o.name === 'EXOCLAW_WORKSPACE')!.name;
        notes.push(`${name} is not a nanobot setting (nanobot ignores it, although the Python reference's deployment sets it); use ${exoclaw} or NANOBOT_AGENTS__DEFAULTS__WORKSPACE. Ignored.`);
      }
      continue;
    }
    if (segments.some((segment) => segment === '')) continue;
    const path = configPath(segments);
    const kind = kindAt(schema, path);
    let value: unknown;
    if (kind === 'number' || kind === 'boolean') value = parseEnvValue(raw, kind);
    else if (kind === 'string' || kind === 'enum') value = raw;
    else value = parseJson(raw); // sections, maps, lists, and settings only nanobot has
    // A section given as JSON may use snake_case keys, as nanobot's would.
    if (typeof value === 'object' && value !== null) value = normalizeKeys(value, [], path);
    settings.push({ name, path, value });
  }
  // Applied in this order, each filling only what is still unset: a more specific variable
  // (NANOBOT_TOOLS__EXEC__TIMEOUT) beats a section given as JSON (NANOBOT_TOOLS), as in pydantic-settings.
  settings.sort((a, b) => b.path.length - a.path.length || a.name.localeCompare(b.name));
  return { settings, notes };
}
