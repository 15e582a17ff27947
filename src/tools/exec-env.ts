/**
 * The environment a command runs with: the worker's own, minus anything that looks like a
 * credential. Provider keys, Temporal TLS material and tokens must never reach a command the model
 * wrote (it could print them into the conversation, or send them somewhere).
 */
import { PROVIDER_ENV_VARS } from '../providers/provider-table.js';

/** Variable names containing these words are dropped (case-insensitive). */
const SECRET_WORDS = /KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE|SESSION/i;

/** Whole families of variables that carry credentials or steer the dynamic loader. */
const DROPPED_PREFIXES = [
  'ANTHROPIC_',
  'OPENAI_',
  'BRAVE_',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS_',
  'TEMPORAL_CLIENT_',
  'AWS_',
  'AZURE_',
  'GOOGLE_',
  'GCP_',
  'LD_',
  'DYLD_',
];

/**
 * Specific variables: those that change how programs load code, and every provider key and base
 * URL (a base URL can carry credentials, and names a model server the command has no business with).
 */
const DROPPED_NAMES = new Set([
  'NODE_OPTIONS',
  'BASH_ENV',
  'ENV',
  'PROMPT_COMMAND',
  'PYTHONSTARTUP',
  'PERL5OPT',
  'RUBYOPT',
  ...PROVIDER_ENV_VARS.map((variable) => variable.name),
]);

/** Always kept (when set), even if a rule above would drop them. */
const ALWAYS_KEPT = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TERM', 'USER', 'LOGNAME', 'SHELL', 'TZ', 'TMPDIR', 'PWD']);

export function isSensitiveEnvName(name: string): boolean {
  if (ALWAYS_KEPT.has(name)) return false;
  const upper = name.toUpperCase();
  if (DROPPED_NAMES.has(upper)) return true;
  if (DROPPED_PREFIXES.some((prefix) => upper.startsWith(prefix))) return true;
  return SECRET_WORDS.test(name);
}

/** A copy of `env` without sensitive variables, plus `extra` (which is trusted: it comes from config). */
export function scrubEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  extra: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isSensitiveEnvName(name)) continue;
    out[name] = value;
  }
  out.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  return { ...out, ...extra };
}

/** Worker variables an isolated command inherits (none of them can carry a credential). */
const INHERITED_NAMES = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'TERM', 'TZ'] as const;

/**
 * The environment of an isolated command: an allow list instead of a deny list, so a credential
 * under a name nobody thought of still stays out. `HOME`, then `extra` (trusted, from config), then
 * `PWD` are added on top.
 */
export function allowListedEnvironment(
  env: NodeJS.ProcessEnv,
  fixed: { HOME: string; PWD: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of INHERITED_NAMES) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  out.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  // PWD last: it must match the directory the command really starts in.
  return { ...out, HOME: fixed.HOME, ...extra, PWD: fixed.PWD };
}
