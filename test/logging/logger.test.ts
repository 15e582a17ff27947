// The two log formats, how a command picks one, and what the Temporal SDK's logs become on the way through.
import { describe, expect, it } from 'vitest';
import { logProcessWarnings } from '../../src/cli/command-logging.js';
import { chooseLogFormat } from '../../src/log-format.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { LogFormat } from '../../src/log-format.js';
import { temporalRuntimeLogging } from '../../src/temporal/temporal-logging.js';
import { waitUntil } from '../support/wait.js';

function capture(format: LogFormat, level = 'trace'): { log: Logger; out: string[] } {
  const out: string[] = [];
  return { log: createLogger({ level, format, destination: { write: (line: string) => void out.push(line) } }), out };
}

describe('createLogger', () => {
  it('json: one object per line with an ISO time and a level name; keys, auth headers and task tokens redacted', () => {
    const { log, out } = capture('json');
    log.warn({ taskToken: 'CiQwMWEy', apiKey: 'k', headers: { authorization: 'Bearer b' }, workflowId: 'w1' }, 'failed with sk-ant-abcdefgh12345');
    expect(out).toHaveLength(1);
    const record = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'warn',
      workflowId: 'w1',
      taskToken: '[REDACTED]',
      apiKey: '[REDACTED]',
      headers: { authorization: '[REDACTED]' },
      msg: 'failed with [REDACTED]',
    });
    expect(record['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(new Date(record['time'] as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('pretty: one readable line per record (time with offset, level, message, fields), the same redaction', () => {
    const { log, out } = capture('pretty');
    log.info({ workflowId: 'w1', apiKey: 'k' }, 'worker started');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\] INFO: worker started \{"workflowId":"w1","apiKey":"\[REDACTED\]"\}\n$/);
    expect(out[0]).not.toContain('\x1b[');
  });

  it('pretty: an error keeps its stack on indented lines below the record', () => {
    const { log, out } = capture('pretty');
    log.error({ err: new Error('disk full') }, 'closing failed');
    const [first, ...rest] = out[0]!.trimEnd().split('\n');
    expect(first).toMatch(/\] ERROR: closing failed $/);
    expect(rest.join('\n')).toContain('disk full');
    expect(rest.every((line) => /^\s/.test(line))).toBe(true);
  });
});

describe('chooseLogFormat', () => {
  it('takes the flag, else EXOCLAW_LOG_FORMAT, else pretty on a terminal and JSON elsewhere', () => {
    expect(chooseLogFormat({ flag: 'json', env: { EXOCLAW_LOG_FORMAT: 'pretty' }, terminal: true })).toBe('json');
    expect(chooseLogFormat({ env: { EXOCLAW_LOG_FORMAT: 'Pretty' }, terminal: false })).toBe('pretty');
    expect(chooseLogFormat({ env: { EXOCLAW_LOG_FORMAT: ' ' }, terminal: true })).toBe('pretty');
    expect(chooseLogFormat({ env: {}, terminal: false })).toBe('json');
  });

  it('says which setting is wrong and what it may be', () => {
    expect(() => chooseLogFormat({ flag: 'text', env: {} })).toThrow('--log-format must be "json" or "pretty" (got "text").');
    expect(() => chooseLogFormat({ env: { EXOCLAW_LOG_FORMAT: 'yaml' } })).toThrow('EXOCLAW_LOG_FORMAT must be "json" or "pretty" (got "yaml").');
  });
});

describe('Temporal SDK logs through our logger', () => {
  it('drops the task token and keeps the ids', () => {
    const { log, out } = capture('json');
    const { logger } = temporalRuntimeLogging(log);
    logger.warn('Activity failed', { taskToken: 'CiQwMWEyMmVk', activityId: '2', activityType: 'llmChat', workflowId: 'turn-1' });
    const record = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ level: 'warn', msg: 'Activity failed', activityId: '2', activityType: 'llmChat', workflowId: 'turn-1' });
    expect(record).not.toHaveProperty('taskToken');
  });

  it("moves webpack's report to debug and leaves the SDK's other lines at their level", () => {
    const stats = 'asset workflow-bundle-1.js 3 MiB [emitted]\norphan modules 473 KiB\nwebpack 5.105.0 compiled successfully in 2843 ms';
    const atInfo = capture('json', 'info');
    temporalRuntimeLogging(atInfo.log).logger.info(stats, { sdkComponent: 'worker' });
    temporalRuntimeLogging(atInfo.log).logger.info('Workflow bundle created', { sdkComponent: 'worker', size: '3.00MB' });
    expect(atInfo.out.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['Workflow bundle created']);

    const atDebug = capture('json', 'debug');
    temporalRuntimeLogging(atDebug.log).logger.info(stats, { sdkComponent: 'worker' });
    expect(JSON.parse(atDebug.out[0]!)).toMatchObject({ level: 'debug', msg: 'webpack stats of the workflow bundle', bundlerStats: stats });
  });
});

describe('logProcessWarnings', () => {
  it("turns Node's warnings into log records instead of plain text on stderr", async () => {
    const { log, out } = capture('json');
    const nodePrinter = process.listeners('warning');
    logProcessWarnings(log);
    try {
      expect(process.listeners('warning')).toHaveLength(1);
      process.emitWarning('Possible EventEmitter memory leak detected', { code: 'TEST_LEAK' });
      await waitUntil('the warning record', () => out.length > 0);
      expect(JSON.parse(out[0]!)).toMatchObject({ level: 'warn', warning: 'Warning', code: 'TEST_LEAK', msg: 'Possible EventEmitter memory leak detected' });
    } finally {
      process.removeAllListeners('warning');
      for (const listener of nodePrinter) process.on('warning', listener);
    }
  });
});
