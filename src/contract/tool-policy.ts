import { z } from 'zod';
import { Duration } from './duration.js';

// The config's tool policy (`tools.policy`): ordered rules, first match wins. Pure data and pure
// functions, so the workflow evaluates them deterministically (they reach it from the worker's
// config through buildPrompt's result).

const Patterns = z.union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).min(1).max(100)]);

const ArgumentMatchers = {
  /** exec: shell command patterns (`*` any text, `?` one character), matched against the whole command. */
  command: Patterns.optional(),
  /** File tools (read_file, write_file, edit_file, list_dir): patterns of the `path` argument as the model gave it. */
  path: Patterns.optional(),
  /** web_fetch: host names of the URL (`*.example.com`), case-insensitive. */
  host: Patterns.optional(),
};

export const ToolPolicyRule = z
  .object({
    /** Tool name patterns: `exec`, `mcp_github_*` (MCP tools are `mcp_<server>_<tool>`), `*`. */
    tool: Patterns,
    ...ArgumentMatchers,
    /** The rule does not apply to calls these match (e.g. exec commands on an allow list). */
    unless: z.object(ArgumentMatchers).strict().optional(),
    action: z.enum(['allow', 'deny', 'ask']),
    /** Shown to the model on deny, and to the person asked on ask. */
    reason: z.string().max(500).optional(),
  })
  .strict();
export type ToolPolicyRule = z.infer<typeof ToolPolicyRule>;

export const ToolPolicy = z
  .object({
    rules: z.array(ToolPolicyRule).max(500).default([]),
    /** What a call no rule matches gets. */
    default: z.enum(['allow', 'deny', 'ask']).default('allow'),
    /** How long an `ask` waits for a person before it denies. */
    approvalTimeout: Duration.default('24h'),
  })
  .strict();
export type ToolPolicy = z.output<typeof ToolPolicy>;

export type PolicyAction = ToolPolicyRule['action'];

export interface PolicyVerdict {
  action: PolicyAction;
  /** The matching rule's index; absent when the default applied. */
  rule?: number;
  reason?: string;
  /**
   * What "allow for this session" covers when this verdict asks: the same tool, the same rule and
   * the same subject (an exec command's program, a file path, a web host).
   */
  grantKey: string;
  /** The subject in words, for the person asked ("exec commands starting with `git`"). */
  grantScope: string;
}

/** The rule that decides a call, or the default. */
export function evaluateToolPolicy(policy: Pick<ToolPolicy, 'rules' | 'default'>, name: string, args: Record<string, unknown>): PolicyVerdict {
  const subjects = subjectsOf(args);
  const index = policy.rules.findIndex((rule) => ruleMatches(rule, name, subjects));
  const rule = index >= 0 ? policy.rules[index] : undefined;
  const { key, scope } = grantSubject(name, subjects);
  return {
    action: rule?.action ?? policy.default,
    ...(rule ? { rule: index } : {}),
    ...(rule?.reason ? { reason: rule.reason } : {}),
    grantKey: `${name}\u0000${rule ? index : 'default'}\u0000${key}`,
    grantScope: scope,
  };
}

/** True when a policy could change anything (an empty default-allow policy is skipped entirely). */
export function policyIsActive(policy: Pick<ToolPolicy, 'rules' | 'default'> | undefined): boolean {
  return policy !== undefined && (policy.rules.length > 0 || policy.default !== 'allow');
}

interface Subjects {
  command?: string;
  path?: string;
  host?: string;
}

function subjectsOf(args: Record<string, unknown>): Subjects {
  const subjects: Subjects = {};
  if (typeof args['command'] === 'string') subjects.command = args['command'].trim();
  if (typeof args['path'] === 'string') subjects.path = args['path'];
  if (typeof args['url'] === 'string') {
    const host = hostOf(args['url']);
    if (host) subjects.host = host;
  }
  return subjects;
}

function ruleMatches(rule: ToolPolicyRule, name: string, subjects: Subjects): boolean {
  if (!anyMatches(rule.tool, name, false)) return false;
  if (!argumentsMatch(rule, subjects)) return false;
  if (rule.unless && hasMatchers(rule.unless) && argumentsMatch(rule.unless, subjects)) return false;
  return true;
}

function hasMatchers(m: Pick<ToolPolicyRule, 'command' | 'path' | 'host'>): boolean {
  return m.command !== undefined || m.path !== undefined || m.host !== undefined;
}

/** Every matcher given must match (a call without that argument does not). */
function argumentsMatch(m: Pick<ToolPolicyRule, 'command' | 'path' | 'host'>, subjects: Subjects): boolean {
  if (m.command !== undefined && (subjects.command === undefined || !anyMatches(m.command, subjects.command, false))) return false;
  if (m.path !== undefined && (subjects.path === undefined || !anyMatches(m.path, subjects.path, false))) return false;
  if (m.host !== undefined && (subjects.host === undefined || !anyMatches(m.host, subjects.host, true))) return false;
  return true;
}

function anyMatches(patterns: string | string[], value: string, ignoreCase: boolean): boolean {
  return (typeof patterns === 'string' ? [patterns] : patterns).some((p) => globRegExp(p, ignoreCase).test(value));
}

const globCache = new Map<string, RegExp>();

/** `*` any text (slashes too), `?` one character; everything else literal. */
export function globRegExp(pattern: string, ignoreCase = false): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern
      .split('')
      .map((ch) => (ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'i' : '');
    globCache.set(key, re);
  }
  return re;
}

/** The host of an http(s) URL, without URL (kept to string work so it runs anywhere). */
export function hostOf(url: string): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]+\]|[^:/?#]+)/i.exec(url.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

function grantSubject(name: string, subjects: Subjects): { key: string; scope: string } {
  if (subjects.command !== undefined) {
    const program = subjects.command.split(/\s+/)[0] ?? '';
    return { key: `command:${program}`, scope: `${name} commands starting with \`${program}\`` };
  }
  if (subjects.path !== undefined) return { key: `path:${subjects.path}`, scope: `${name} on \`${subjects.path}\`` };
  if (subjects.host !== undefined) return { key: `host:${subjects.host}`, scope: `${name} to ${subjects.host}` };
  return { key: '', scope: `every ${name} call` };
}
