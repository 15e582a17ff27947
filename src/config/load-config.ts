import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { closestName } from '../closest-name.js';
import { logger } from '../logger.js';
import { PROVIDERS, type ProviderSpec } from '../providers/provider-table.js';
import { defaultStateDir } from '../storage/state-root.js';
import { ConfigError } from './config-error.js';
import { ENV_OVERRIDES, parseEnvValue } from './env-overrides.js';
import { jsonErrorLocation } from './json-error-location.js';
import { normalizeKeys } from './normalize-keys.js';
import { adaptNanobotConfig } from './nanobot-compat.js';
import { readNanobotEnv } from './nanobot-env.js';
import { collectUnknown } from './schema-walk.js';
import {
  ConfigSchema,
  DEFAULT_WORKSPACE,
  IGNORED_TOP_LEVEL_KEYS,
  NANOBOT_DEFAULT_WORKSPACE,
  type Config,
  type ProvidersConfig,
} from './schema.js';

export type DeepPartial<T> = T extends readonly (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** CLI flags and programmatic settings: any subset of the config, applied last. */
export type ConfigOverrides = DeepPartial<z.input<typeof ConfigSchema>>;

export interface LoadConfigOptions {
  /** Config file; default `EXOCLAW_CONFIG`, else `~/.nanobot/config.json` if it exists. */
  path?: string;
  /** Environment to read overrides from (default `process.env`). */
  env?: Record<string, string | undefined>;
  /** Highest precedence (CLI flags). snake_case keys are accepted here too. */
  overrides?: ConfigOverrides | Record<string, unknown>;
  /** Where relative paths are resolved (default `process.cwd()`). */
  cwd?: string;
  /** Non-fatal findings such as unknown keys (default: logged as warnings). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_ANTHROPIC_MODEL = `anthropic/${PROVIDERS.anthropic.defaultModel}`;
export const DEFAULT_OPENAI_MODEL = `openai/${PROVIDERS.openai.defaultModel}`;
export const SCRIPTED_MODEL = 'scripted/scripted-llm';

/**
 * Loads the configuration: built-in defaults < config file < environment < `overrides`.
 * Throws `ConfigError` listing every problem (with the file path, and the environment
 * variable when one supplied the bad value).
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const home = nonEmpty(env.HOME) ?? homedir();
  const warn = opts.onWarning ?? ((message: string) => logger().warn(message));

  const filePath = configFilePath(opts.path, env, home, cwd);
  const problems: string[] = [];
  const fromFile = filePath ? normalizeKeys(readConfigFile(filePath), problems) : {};
  if (problems.length > 0) throw new ConfigError(problems, filePath);

  const sources = new Map<string, string>();
  const where = filePath ? ` in ${filePath}` : '';
  // nanobot's dumps: null and "" mean unset; its NANOBOT_* variables fill only what the file
  // leaves unset, and what they bring is adapted the same way (a second pass finds only theirs).
  let merged = adaptNanobotConfig(structuredClone(fromFile) as Record<string, unknown>, warn, where);
  const nanobotEnv = readNanobotEnv(env, ConfigSchema);
  for (const note of nanobotEnv.notes) warn(note);
  if (nanobotEnv.settings.length > 0) {
    for (const setting of nanobotEnv.settings) {
      fillMissing(merged, setting.path, setting.value, sources, `environment variable ${setting.name}`);
    }
    merged = adaptNanobotConfig(merged, warn, ' (from NANOBOT_* environment variables)');
  }
  for (const override of ENV_OVERRIDES) {
    const raw = nonEmpty(env[override.name]);
    if (raw === undefined) continue;
    const label = `environment variable ${override.name}`;
    for (const [path, value] of override.apply(parseEnvValue(raw, override.kind))) {
      setPath(merged, path, value);
      sources.set(path.join('.'), label);
    }
  }
  if (opts.overrides) {
    const normalized = normalizeKeys(opts.overrides, problems);
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `${p} (in overrides)`), filePath);
    mergeInto(merged, normalized, [], sources, 'overrides');
  }

  reportUnknownKeys(merged, where, sources, warn);

  const parsed = ConfigSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => formatIssue(issue, sources)),
      filePath,
    );
  }
  const config = parsed.data;
  const providers = config.providers as ProvidersConfig;
  // nanobot's workspace for nanobot's own config file, so its sessions and memory are found.
  const nanobotHome = filePath !== undefined && filePath === resolve(home, '.nanobot', 'config.json');
  const givenWorkspace = config.agents.defaults.workspace ?? (nanobotHome ? NANOBOT_DEFAULT_WORKSPACE : DEFAULT_WORKSPACE);
  const workspace = resolve(cwd, expandHome(givenWorkspace, home));
  const given = config.agents.defaults.stateDir;
  const stateDir = given === undefined ? defaultStateDir(workspace) : resolve(cwd, expandHome(given, home));
  const apart = trustDomainProblem(workspace, stateDir, config.tools.exec.readOnlyPaths);
  if (apart) {
    const from = sources.get('agents.defaults.stateDir') ?? sources.get('agents.defaults.workspace');
    throw new ConfigError([`agents.defaults.stateDir${from ? ` (from ${from})` : ''}: ${apart}`], filePath);
  }
  const [taskQueue] = config.temporal.taskQueue;
  const result: Config = {
    ...config,
    temporal: { ...config.temporal, taskQueue: taskQueue!, taskQueues: config.temporal.taskQueue },
    agents: {
      defaults: {
        ...config.agents.defaults,
        workspace,
        stateDir,
        model: config.agents.defaults.model ?? defaultModel(providers),
      },
    },
    providers,
  };
  if (filePath) result.sourcePath = filePath;
  return result;
}

/**
 * Why a state root is unsafe for this workspace, if it is: nothing the agent runs may reach it
 * (not through the workspace, nor through exec's extra read-only paths), nor it the workspace.
 * Paths are compared as given and, where they exist, with links resolved.
 */
function trustDomainProblem(workspace: string, stateDir: string, readOnlyPaths: readonly string[] = []): string | undefined {
  const real = (path: string): string => {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  };
  const inside = (parent: string, child: string): boolean =>
    [[parent, child], [real(parent), real(child)]].some(([p, c]) => {
      const rel = relative(p!, c!);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
  const exposed = readOnlyPaths.find((path) => inside(path, stateDir) || inside(stateDir, path));
  if (exposed) {
    return `tools.exec.readOnlyPaths entry ${exposed} would show exec the state root ${stateDir}; name a folder apart from it`;
  }
  if (inside(workspace, stateDir)) {
    return `the state root ${stateDir} is inside the workspace ${workspace}, where the agent's tools could read and change it; put it beside the workspace (e.g. ${defaultStateDir(workspace)})`;
  }
  if (inside(stateDir, workspace)) {
    return `the workspace ${workspace} is inside the state root ${stateDir}; give them separate folders (e.g. ${defaultStateDir(workspace)})`;
  }
  return undefined;
}

/**
 * The model used when none is configured: the default model of the first provider in the provider
 * table that has one and a key (Anthropic, then OpenAI), else the scripted test LLM.
 */
export function defaultModel(providers: ProvidersConfig): string {
  for (const [name, spec] of Object.entries<ProviderSpec>(PROVIDERS)) {
    if (spec.defaultModel && nonEmpty(providers[name]?.apiKey)) return `${name}/${spec.defaultModel}`;
  }
  return SCRIPTED_MODEL;
}

export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

function configFilePath(
  explicit: string | undefined,
  env: Record<string, string | undefined>,
  home: string,
  cwd: string,
): string | undefined {
  const chosen = nonEmpty(explicit) ?? nonEmpty(env.EXOCLAW_CONFIG);
  if (chosen !== undefined) {
    const path = resolve(cwd, expandHome(chosen, home));
    if (!existsSync(path)) {
      const how = explicit ? 'the given config path' : 'EXOCLAW_CONFIG';
      throw new ConfigError([`config file not found: ${path} (from ${how}); create it or point to an existing file`]);
    }
    return path;
  }
  const nanobot = join(home, '.nanobot', 'config.json');
  return existsSync(nanobot) ? nanobot : undefined;
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError([`cannot read the config file (${reason})`], path);
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const where = jsonErrorLocation(text);
    const at = where ? `line ${where.line}, column ${where.column}: ` : '';
    const detail = (error as Error).message.replace(/\s+/g, ' ').slice(0, 200);
    throw new ConfigError([`${at}invalid JSON (${detail})`], path);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError([`the file must contain a JSON object, got ${describeValue(value, [])}`], path);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (!isPlainObject(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function mergeInto(
  target: Record<string, unknown>,
  patch: unknown,
  path: string[],
  sources: Map<string, string>,
  label: string,
): void {
  if (!isPlainObject(patch)) return;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === '__proto__') continue;
    const childPath = [...path, key];
    if (isPlainObject(value)) {
      if (!isPlainObject(target[key])) target[key] = {};
      mergeInto(target[key] as Record<string, unknown>, value, childPath, sources, label);
    } else {
      target[key] = value;
      sources.set(childPath.join('.'), label);
    }
  }
}

/** Values under these keys are never echoed in errors. */
const SECRET_SEGMENT = /api_?key|secret|password|authorization|^token$|accesstoken|headers$|^env$|^redisUrl$/i;

function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const secret = path[0] === 'providers' || path[0] === 'security' || path.some((part) => typeof part === 'string' && SECRET_SEGMENT.test(part));
  if (typeof value === 'string') {
    if (secret) return 'a string';
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  return secret ? `a ${typeof value}` : String(value);
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  input?: unknown;
  expected?: unknown;
  values?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  inclusive?: boolean;
}

function formatIssue(issue: IssueLike, sources: Map<string, string>): string {
  const path = issue.path.map(String);
  const where = path.length > 0 ? path.join('.') : '(top level)';
  let source: string | undefined;
  for (let n = path.length; n > 0 && source === undefined; n--) source = sources.get(path.slice(0, n).join('.'));
  const from = source ? ` (from ${source})` : '';
  const got = describeValue(issue.input, issue.path);
  let what: string;
  switch (issue.code) {
    case 'invalid_type':
      what = issue.input === undefined ? `required (expected ${String(issue.expected)})` : `expected ${String(issue.expected)}, got ${got}`;
      break;
    case 'invalid_value':
      what = `expected one of ${(issue.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
      break;
    case 'too_small':
      what = `must be ${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}, got ${got}`;
      break;
    case 'too_big':
      what = `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}, got ${got}`;
      break;
    default:
      // "got a string" (a value kept out of messages) says nothing the message does not.
      what = issue.input === undefined || typeof issue.input === 'object' || /^a \w+$/.test(got) ? issue.message : `${issue.message}, got ${got}`;
  }
  return `${where}${from}: ${what}`;
}

/** Walks the value beside the schema and reports keys the schema does not know, and where they came from. */
function reportUnknownKeys(value: Record<string, unknown>, where: string, sources: Map<string, string>, warn: (m: string) => void): void {
  for (const { path, known } of collectUnknown(ConfigSchema, value)) {
    if (path.length === 1 && IGNORED_TOP_LEVEL_KEYS.has(path[0]!)) continue;
    let source: string | undefined;
    for (let n = path.length; n > 0 && source === undefined; n--) source = sources.get(path.slice(0, n).join('.'));
    const guess = closestName(path[path.length - 1]!, known);
    const hint = guess ? `did you mean "${[...path.slice(0, -1), guess].join('.')}"?` : 'check its spelling.';
    warn(`Unknown config key "${path.join('.')}"${source ? ` (from ${source})` : where} is ignored; ${hint}`);
  }
}

/** Sets `value` at `path` where nothing is set yet; an object value fills in only the keys still missing. */
function fillMissing(
  target: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
  sources: Map<string, string>,
  label: string,
  prefix: readonly string[] = [],
): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    if (!isPlainObject(node[key])) return; // the file set something else here: it wins
    node = node[key] as Record<string, unknown>;
  }
  const key = path[path.length - 1]!;
  const current = node[key];
  if (current === undefined) {
    node[key] = value;
    sources.set([...prefix, ...path].join('.'), label);
  } else if (isPlainObject(current) && isPlainObject(value)) {
    for (const [child, childValue] of Object.entries(value)) fillMissing(current, [child], childValue, sources, label, [...prefix, ...path]);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
