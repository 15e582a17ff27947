import type { ParseArgsConfig } from 'node:util';
import { CONNECTION_FLAGS } from './common-flags.js';
import { parseFlags, type ParsedFlags } from './parse-flags.js';

/** Every flag the session commands (turn, send, chat) take besides the connection flags. */
const SESSION_OPTIONS = {
  session: { type: 'string', short: 's' },
  json: { type: 'boolean' },
  'message-id': { type: 'string' },
  'workflow-id': { type: 'string' },
  'no-wait': { type: 'boolean' },
  heartbeat: { type: 'string' },
  schedules: { type: 'boolean' },
  poll: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export type SessionFlag = keyof typeof SESSION_OPTIONS;

/** What help calls a flag's value ("--session S"); boolean flags have none. */
const VALUE_NAMES: Partial<Record<SessionFlag, string>> = {
  session: 'S',
  'message-id': 'ID',
  'workflow-id': 'ID',
  heartbeat: 'EVERY',
  poll: 'MS',
  timeout: 'D',
};

type AllValues = ParsedFlags<{ options: typeof CONNECTION_FLAGS & typeof SESSION_OPTIONS; allowPositionals: true }>['values'];
export type SessionFlagValues<F extends SessionFlag> = Pick<AllValues, keyof typeof CONNECTION_FLAGS | F>;

export interface SessionCommandFlags<F extends SessionFlag> {
  /** The command's flag lines for its help, in the order given, descriptions from `column` on. */
  help: string;
  /** Typed values, and the positionals joined into the message (trimmed; '' when none). */
  parse(argv: string[]): { values: SessionFlagValues<F>; positionals: string[]; message: string };
}

/**
 * One session command's flags: the connection flags plus the session flags it describes, so its
 * help and what it accepts cannot drift apart. A description may span lines ('\n'); continuation
 * lines are indented to `column`.
 */
export function sessionFlags<F extends SessionFlag>(descriptions: Record<F, string>, column: number): SessionCommandFlags<F> {
  const names = Object.keys(descriptions) as F[];
  const options = { ...CONNECTION_FLAGS, ...Object.fromEntries(names.map((name) => [name, SESSION_OPTIONS[name]])) };
  const help = names
    .map((name) => {
      const flag = VALUE_NAMES[name] ? `--${name} ${VALUE_NAMES[name]}` : `--${name}`;
      const [first, ...more] = descriptions[name].split('\n');
      return [`  ${flag}`.padEnd(column) + first, ...more.map((line) => ' '.repeat(column) + line)].join('\n');
    })
    .join('\n');
  return {
    help,
    parse(argv) {
      const { values, positionals } = parseFlags({ args: argv, allowPositionals: true, options });
      return { values: values as SessionFlagValues<F>, positionals, message: positionals.join(' ').trim() };
    },
  };
}
