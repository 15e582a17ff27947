/**
 * A speed bump in front of `exec`: refuses commands that are obviously destructive or that try to
 * steer the environment the runner scrubbed. It is not a security boundary (a determined command
 * can always be spelled differently); isolation — a sandbox pod — is the boundary.
 */

export interface DenyRule {
  pattern: RegExp;
  /** Why it is refused, shown to the model. */
  reason: string;
}

export const DEFAULT_DENY_RULES: readonly DenyRule[] = [
  {
    pattern: /\brm\s+(?:-[^\s]*\s+|--[a-z-]+\s+)*(?:\/|\/\*|~|~\/|~\/\*|\$HOME|\$\{HOME\}|\$HOME\/\*)(?=$|[\s;&|)])/,
    reason: 'it removes the root or home directory',
  },
  { pattern: /--no-preserve-root\b/, reason: 'it disables rm\'s protection of /' },
  { pattern: /\bmkfs(?:\.[a-z0-9]+)?\b|\bmke2fs\b|\bwipefs\b/, reason: 'it formats a filesystem' },
  {
    pattern: /\bdd\b[^;&|]*\bof=\/dev\/(?!null\b|zero\b|stdout\b|stderr\b|fd\/)/,
    reason: 'it writes raw data to a device',
  },
  {
    pattern: />\s*\/dev\/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|mapper\/|md\d|loop)/,
    reason: 'it writes raw data to a disk device',
  },
  {
    pattern: /(?:^|[\s;&|(`])(?:sudo\s+)?(?:shutdown|reboot|halt|poweroff)(?=$|[\s;&|)])|\binit\s+[06](?=$|[\s;&|)])|\bsystemctl\s+(?:poweroff|reboot|halt|kexec)\b/,
    reason: 'it shuts down or reboots the machine',
  },
  {
    pattern: /([A-Za-z_:.][\w:.]*)\s*\(\)\s*\{[^}]*\1\s*\|\s*\1\s*&[^}]*\}/,
    reason: 'it is a fork bomb',
  },
  { pattern: /\bchmod\s+(?:-[^\s]*\s+)*-[^\s]*R[^\s]*\s+\S+\s+\/(?=$|[\s;&|])/, reason: 'it changes permissions of the whole filesystem' },
  { pattern: /\bchown\s+(?:-[^\s]*\s+)*-[^\s]*R[^\s]*\s+\S+\s+\/(?=$|[\s;&|])/, reason: 'it changes ownership of the whole filesystem' },
];

/**
 * Setting these inline (`PATH=/tmp/x cmd`, `export LD_PRELOAD=…`, `env PATH=… cmd`) would undo the
 * fixed environment exec provides, so it is refused outright.
 */
const ENV_OVERRIDE = /(?:^|[^A-Za-z0-9_])(PATH|LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|DYLD_[A-Z_]+)\+?=/;

/** Compiles config-supplied patterns (strings are regular expressions, matched case-insensitively). */
export function compileDenyRules(patterns: ReadonlyArray<string | RegExp | DenyRule>): DenyRule[] {
  return patterns.map((p) => {
    if (typeof p === 'string') return { pattern: new RegExp(p, 'i'), reason: `it matches the deny pattern /${p}/` };
    if (p instanceof RegExp) return { pattern: p, reason: `it matches the deny pattern ${String(p)}` };
    return p;
  });
}

/** The refusal text for a command, or undefined when it may run. */
export function checkCommand(command: string, rules: readonly DenyRule[]): string | undefined {
  if (command.includes('\0')) return 'Error: Command refused: it contains a NUL byte';
  const env = ENV_OVERRIDE.exec(command);
  if (env) {
    const name = env[1] ?? 'PATH';
    const hint =
      name === 'PATH'
        ? 'exec runs with a fixed PATH; call the program by its path instead (e.g. ./node_modules/.bin/tsc or /usr/bin/env python3)'
        : 'changing the dynamic loader environment is not allowed';
    return `Error: Command refused: it sets ${name}. ${hint}`;
  }
  const normalised = command.replace(/\\\n/g, ' ');
  for (const rule of rules) {
    if (rule.pattern.test(normalised)) {
      return (
        `Error: Command refused: ${rule.reason}. This guard blocks obviously destructive commands; ` +
        'if you need something like this, do it in a narrower, explicit way (e.g. remove a specific folder inside the workspace)'
      );
    }
  }
  return undefined;
}
