// The shared flag parsing of the command line: one session-flag table, and a mistyped flag
// named with what it was probably meant to be.
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../src/cli/closest-name.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { sessionFlags } from '../../src/cli/session-flags.js';

describe('closestName', () => {
  const flags = ['session', 'json', 'message-id', 'no-wait', 'heartbeat', 'schedules', 'help', 'model', 'workspace'];

  it('finds typos: a missing, extra, wrong or swapped letter', () => {
    expect(closestName('sesion', flags)).toBe('session');
    expect(closestName('jsno', flags)).toBe('json');
    expect(closestName('nowait', flags)).toBe('no-wait');
    expect(closestName('heartbaet', flags)).toBe('heartbeat');
    expect(closestName('modle', flags)).toBe('model');
  });

  it('completes a unique prefix and suggests nothing far off', () => {
    expect(closestName('sched', flags)).toBe('schedules');
    expect(closestName('bogus', flags)).toBeUndefined();
    expect(closestName('x', flags)).toBeUndefined();
  });

  it('counts edits', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('parseFlags', () => {
  const config = { options: { session: { type: 'string', short: 's' }, json: { type: 'boolean' } }, allowPositionals: false } as const;

  it('parses like node:util parseArgs', () => {
    expect(parseFlags({ ...config, args: ['-s', 'a', '--json'] }).values).toEqual({ session: 'a', json: true });
  });

  it('names a mistyped flag, wherever it stands and however it is given', () => {
    expect(() => parseFlags({ ...config, args: ['--json', '--sesion', 'a'] })).toThrow(
      new UsageError('unknown flag --sesion (did you mean --session?)'),
    );
    expect(() => parseFlags({ ...config, args: ['--sesion=a'] })).toThrow('unknown flag --sesion (did you mean --session?)');
    expect(() => parseFlags({ ...config, args: ['-x'] })).toThrow(new UsageError('unknown flag -x'));
  });

  it('leaves other parse errors as they are', () => {
    expect(() => parseFlags({ ...config, args: ['--session'] })).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' }));
    expect(() => parseFlags({ ...config, args: ['extra'] })).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' }));
  });
});

describe('sessionFlags', () => {
  const flags = sessionFlags({ session: 'conversation key', json: 'print JSON', heartbeat: 'set the heartbeat:\nevery EVERY' }, 21);

  it('renders help lines for exactly the flags it takes', () => {
    expect(flags.help).toBe(
      [
        '  --session S        conversation key',
        '  --json             print JSON',
        '  --heartbeat EVERY  set the heartbeat:',
        '                     every EVERY',
      ].join('\n'),
    );
  });

  it('parses connection and session flags, and joins the message', () => {
    const parsed = flags.parse(['-s', 's1', '--model', 'openai/gpt-4.1', 'hello', '  there ', '--json']);
    expect(parsed.values).toEqual({ session: 's1', model: 'openai/gpt-4.1', json: true });
    expect(parsed.message).toBe('hello   there');
    expect(flags.parse(['--session', 's1']).message).toBe('');
  });

  it('refuses a session flag the command does not take', () => {
    expect(() => flags.parse(['--session', 's1', '--poll', '100'])).toThrow(new UsageError('unknown flag --poll'));
  });
});
