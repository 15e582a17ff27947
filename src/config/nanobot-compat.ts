/**
 * Makes a configuration written by nanobot's own schema loadable. nanobot saves its config with
 * pydantic's `model_dump(by_alias=True)`, so a file it wrote has every field: `null` for an
 * unset optional one, `""` for an unset string, an entry for each of its ~18 providers, and MCP
 * entries with both `command` and `url` present (one of them empty). Here `null` and those
 * empty strings mean "unset", empty entries are left out (with a warning where the user clearly
 * meant something), and the settings only nanobot has are dropped, named in one warning when
 * they were actually set. Runs on camelCase keys (after normalizeKeys), before validation.
 */

type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes every `null`-valued key, at any depth: in nanobot's dumps `null` means "not set". */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isPlainObject(value)) return value;
  const result: Json = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null) continue;
    Object.defineProperty(result, key, { value: dropNulls(child), enumerable: true, writable: true, configurable: true });
  }
  return result;
}

const isEmptyString = (value: unknown): boolean => typeof value === 'string' && value.trim() === '';
const isEmptyValue = (value: unknown): boolean =>
  value === undefined || value === null || value === false || isEmptyString(value) ||
  (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0);

interface NanobotOnlySetting {
  path: string[];
  /** Whether the value asks for something (an unset or default value is dropped silently). */
  isSet(value: unknown): boolean;
}

const nonEmpty = (value: unknown): boolean => !isEmptyValue(value);
const listed = (field: string) => (value: unknown): boolean => isPlainObject(value) && nonEmpty(value[field]);

/**
 * Settings of nanobot (v0.1.4) and of exoclaw's nanobot package that this runtime has no use for.
 * What replaces each, where anything does, is in docs/migrating.md.
 */
const NANOBOT_ONLY: readonly NanobotOnlySetting[] = [
  { path: ['agents', 'defaults', 'provider'], isSet: (value) => nonEmpty(value) && value !== 'auto' },
  { path: ['agents', 'defaults', 'searchModel'], isSet: nonEmpty },
  { path: ['agents', 'defaults', 'modelFallbacks'], isSet: nonEmpty },
  { path: ['agents', 'defaults', 'webSearchOptions'], isSet: nonEmpty },
  // On by default in exoclaw-nanobot; maxToolIterations bounds a turn here.
  { path: ['agents', 'defaults', 'loopDetection'], isSet: () => false },
  // The daily counter always lives in the state root, shared by every worker.
  { path: ['agents', 'defaults', 'dailyBudget', 'statePath'], isSet: nonEmpty },
  { path: ['agents', 'subagentAllowedModels'], isSet: nonEmpty },
  { path: ['agents', 'subagentMaxConcurrent'], isSet: nonEmpty },
  { path: ['agents', 'models'], isSet: nonEmpty },
  { path: ['tools', 'web', 'proxy'], isSet: nonEmpty },
  { path: ['tools', 'web', 'search', 'searchModel'], isSet: nonEmpty },
  { path: ['tools', 'exec', 'pathAppend'], isSet: nonEmpty },
  { path: ['skills'], isSet: listed('packages') },
  { path: ['router'], isSet: listed('modelList') },
];

/** The object at `path`, if every step is a plain object. */
function objectAt(root: Json, path: readonly string[]): Json | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return isPlainObject(node) ? node : undefined;
}

/**
 * Returns an adapted copy of a (camelCase) config object. `warn` receives at most one message per
 * skipped MCP server and one for all the nanobot-only settings that were set.
 */
export function adaptNanobotConfig(input: Json, warn: (message: string) => void, where = ''): Json {
  const config = dropNulls(input) as Json;

  // nanobot's own migration: restrictToWorkspace moved from tools.exec up to tools.
  const tools = objectAt(config, ['tools']);
  const exec = objectAt(config, ['tools', 'exec']);
  if (tools && exec && 'restrictToWorkspace' in exec) {
    if (!('restrictToWorkspace' in tools)) tools['restrictToWorkspace'] = exec['restrictToWorkspace'];
    delete exec['restrictToWorkspace'];
  }

  // Providers: an unset key or base is "", and nanobot writes every provider it knows.
  const providers = objectAt(config, ['providers']);
  for (const [name, provider] of Object.entries(providers ?? {})) {
    if (!isPlainObject(provider)) continue;
    for (const field of ['apiKey', 'apiBase']) if (isEmptyString(provider[field])) delete provider[field];
    if (Object.keys(provider).length === 0 || Object.values(provider).every(isEmptyValue)) delete providers![name];
  }

  // MCP servers: nanobot writes both "command" and "url", the unused one empty.
  const servers = objectAt(config, ['tools', 'mcpServers']);
  for (const [name, server] of Object.entries(servers ?? {})) {
    if (!isPlainObject(server)) continue;
    let emptied = false;
    for (const field of ['command', 'url']) {
      if (!isEmptyString(server[field])) continue;
      delete server[field];
      emptied = true;
    }
    if (server['type'] === 'sse') {
      delete servers![name];
      warn(`MCP server "${name}"${where} uses the SSE transport, which this runtime does not speak; skipped. Serve it over streamable HTTP and give its "url" (docs/migrating.md).`);
    } else if (emptied && server['command'] === undefined && server['url'] === undefined) {
      // An entry as nanobot writes it, with both left empty; one that never named either is a
      // mistake the validation reports instead.
      delete servers![name];
      warn(`MCP server "${name}"${where} has neither "command" nor "url" (both empty); skipped. Fill in one of them to use it.`);
    }
  }

  const ignored: string[] = [];
  for (const setting of NANOBOT_ONLY) {
    const parent = objectAt(config, setting.path.slice(0, -1));
    const key = setting.path[setting.path.length - 1]!;
    if (!parent || !(key in parent)) continue;
    if (setting.isSet(parent[key])) ignored.push(setting.path.join('.'));
    delete parent[key];
  }
  if (ignored.length > 0) {
    warn(`nanobot settings this runtime does not use are ignored${where}: ${ignored.join(', ')}. docs/migrating.md says what replaces each.`);
  }
  return config;
}
