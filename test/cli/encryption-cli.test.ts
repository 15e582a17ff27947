// Encryption keys through the real command line: `worker` and `turn` processes that share
// EXOCLAW_ENCRYPTION_KEYS talk; a `turn` without them is told what to set; a bad key stops the
// worker at start-up with a message naming it (never printing it).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedLlmServer, type ScriptedLlmServer } from '../../dev/scripted-llm/index.js';
import { getTestEnv, uniqueTaskQueue } from '../helpers/temporal.js';
import { cliEnv, failureMessage, runCli, spawnCli, stopCli } from './cli-process.js';

const key = randomBytes(32).toString('base64');
const KEYS = `ops-2026:${key}`;

let llm: ScriptedLlmServer;
let home: string;
let address: string;
let namespace: string;

beforeAll(async () => {
  llm = await startScriptedLlmServer();
  home = await mkdtemp(join(tmpdir(), 'exoclaw-cli-enc-'));
  ({ address, namespace } = await getTestEnv());
});
afterAll(async () => {
  await llm?.close();
  await rm(home, { recursive: true, force: true });
});

const connection = (taskQueue: string) => ['--temporal-url', address, '--namespace', namespace, '--task-queue', taskQueue];

describe('encryption keys on the command line', () => {
  it('worker and turn with the same keys talk; a turn without keys is told what to set', async () => {
    const taskQueue = uniqueTaskQueue('cli-enc');
    const workspace = join(home, 'ws');
    const worker = spawnCli(
      ['worker', ...connection(taskQueue), '--workspace', workspace, '--model', 'scripted/scripted-llm'],
      cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url, EXOCLAW_ENCRYPTION_KEYS: KEYS, EXOCLAW_LOG_LEVEL: 'info' }),
    );
    try {
      const ready = await worker.waitForLine(/^Worker ready/, 90_000);
      expect(ready).toContain('encryption payloads and blobs encrypted with key "ops-2026"');

      const withKeys = await runCli(['turn', ...connection(taskQueue), '--session', 'cli-enc', '--json', 'hello sealed world'], cliEnv(home, { EXOCLAW_ENCRYPTION_KEYS: KEYS }));
      expect(withKeys.stderr).toBe('');
      expect(withKeys.code).toBe(0);
      expect(JSON.parse(withKeys.stdout).finalContent).toContain('hello sealed world');

      const without = await runCli(['turn', ...connection(taskQueue), '--session', 'cli-enc', 'hello again'], cliEnv(home));
      expect(without.code).toBe(1);
      expect(without.stderr).toContain('it is encrypted with key "ops-2026", but encryption is not configured in this process');
      expect(without.stderr).toContain('EXOCLAW_ENCRYPTION_KEYS');
      expect(without.stderr).not.toMatch(/^\s+at /m);
    } finally {
      expect((await stopCli(worker, 'SIGTERM')).code).toBe(0);
    }
    expect(worker.stdout() + worker.stderr()).not.toContain(key.slice(0, 12));
  }, 180_000);

  it('a key of the wrong length stops the worker at start-up, naming the key id only (exit 1)', async () => {
    const short = randomBytes(16).toString('base64');
    const result = await runCli(
      ['worker', ...connection(uniqueTaskQueue('cli-enc')), '--workspace', join(home, 'ws-bad')],
      cliEnv(home, { EXOCLAW_SCRIPTED_LLM_URL: llm.url, EXOCLAW_ENCRYPTION_KEYS: `${KEYS},old:${short}`, EXOCLAW_ENCRYPTION_ACTIVE_KEY: 'ops-2026' }),
    );
    expect(result.code).toBe(1);
    expect(failureMessage(result.stderr)).toContain('Invalid encryption keys');
    expect(failureMessage(result.stderr)).toContain('EXOCLAW_ENCRYPTION_KEYS: key id "old" is 16 bytes; AES-256 needs 32 random bytes');
    expect(result.stderr).not.toContain(short.slice(0, 8));
    expect(result.stderr).not.toContain(key.slice(0, 12));
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).not.toContain('Worker ready');
  }, 60_000);
});
