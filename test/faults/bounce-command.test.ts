// `exoclaw-temporal bounce --json` end to end, as a user runs it: one JSON object on stdout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { packageRoot } from '../../src/package-root.js';
import { isolatedWorkerEnv } from './fault-helpers.js';

const run = promisify(execFile);

describe('exoclaw-temporal bounce', () => {
  it('kills the worker running the tool and prints exactly one JSON object with ok:true', async () => {
    const { stdout } = await run(
      process.execPath,
      [join(packageRoot(), 'bin', 'exoclaw-temporal.js'), 'bounce', '--json', '--sleep', '5', '--temporal-url', inject('temporalAddress')],
      {
        cwd: packageRoot(),
        env: { ...process.env, ...isolatedWorkerEnv(), EXOCLAW_WORKFLOW_BUNDLE: inject('workflowBundlePath') },
        timeout: 150_000,
      },
    );
    const lines = stdout.trim().split('\n');
    expect(lines, stdout).toHaveLength(1);
    const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(
      ['finalContent', 'killToResumeSeconds', 'killedWorker', 'ok', 'resumedOn', 'signal', 'turnSeconds'].sort(),
    );
    expect(result['ok']).toBe(true);
    expect(result['signal']).toBe('KILL');
    expect(['worker-a', 'worker-b']).toContain(result['killedWorker']);
    expect(['worker-a', 'worker-b']).toContain(result['resumedOn']);
    expect(result['resumedOn']).not.toBe(result['killedWorker']);
    expect(result['killToResumeSeconds'] as number).toBeLessThanOrEqual(5 + 10); // heartbeat timeout 5 s + slack
    expect(result['finalContent']).toMatch(/(^|: )task complete$/m);
  }, 160_000);

  it('rejects a bad --signal with a usage error', async () => {
    const failed = await run(process.execPath, [join(packageRoot(), 'bin', 'exoclaw-temporal.js'), 'bounce', '--signal', 'HUP'], {
      cwd: packageRoot(),
    }).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('--signal must be KILL or TERM');
  }, 30_000);
});
