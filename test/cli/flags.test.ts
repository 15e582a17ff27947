// The shared flag parsing of the command line: one duration grammar, one session-flag table,
// and a mistyped flag named with what it was probably meant to be.
import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../src/closest-name.js';
import { UsageError } from '../../src/cli/common-flags.js';
import { durationFlag } from '../../src/cli/duration-flag.js';
import { parseFlags } from '../../src/cli/parse-flags.js';
import { sessionFlags } from '../../src/cli/session-flags.js';
import { parseDuration } from '../../src/contract/duration.js';

describe('durationFlag', () => {
  it('reads the project grammar, units required', () => {
    const opts = { examples: '7d or 48h' };
    expect(durationFlag('--older-than', '7d', opts)).toBe(7 * 86_400_000);
    expect(durationFlag('--older-than', '1.5h', opts)).toBe(5_400_000);
    expect(durationFlag('--older-than', '2w', opts)).toBe(14 * 86_400_000);
    expect(durationFlag('--older-than', '10 minutes', opts)).toBe(600_000);
    expect(() => durationFlag('--older-than', '48', opts)).toThrow(UsageError);
  });

  it('words a bad duration the same for every flag', () => {
    expect(() => durationFlag('--older-than', 'x', { examples: '7d or 48h' })).toThrow(
      '--older-than needs a duration such as 7d or 48h, got "x"',
    );
    expect(() => durationFlag('--shutdown-grace', '-5s', { examples: '10s', allowZero: true })).toThrow(
      '--shutdown-grace needs a duration such as 10s, got "-5s"',
    );
  });

  it('takes zero only where allowed', () => {
    expect(durationFlag('--shutdown-grace', '0s', { examples: '10s', allowZero: true })).toBe(0);
    expect(() => durationFlag('--heartbeat-timeout', '0s', { examples: '5s' })).toThrow(/needs a duration/);
    expect(parseDuration('0ms')).toBeUndefined();
    expect(parseDuration('0ms', { allowZero: true })).toBe(0);
    expect(Object.is(parseDuration('-0s', { allowZero: true }), 0)).toBe(true);
  });

  it('reads a bare number in the unit the flag took before it took durations', () => {
    expect(durationFlag('--poll', '200', { examples: '500ms', bareUnit: 'ms' })).toBe(200);
    expect(durationFlag('--poll', '1s', { examples: '500ms', bareUnit: 'ms' })).toBe(1000);
    expect(durationFlag('--heartbeat', '90', { examples: '30m', bareUnit: 's' })).toBe(90_000);
    expect(() => durationFlag('--poll', '200x', { examples: '500ms', bareUnit: 'ms' })).toThrow(/--poll needs a duration/);
  });
});

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
