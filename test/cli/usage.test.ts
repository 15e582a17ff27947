// Usage errors and help of the real command line: readable, exit code 2, no Temporal needed.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, spawnCli, stopCli } from './cli-process.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'exoclaw-cli-usage-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('turn usage errors', () => {
  it('needs --session', async () => {
    const result = await runCli(['turn', 'hi'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('turn needs --session S');
    expect(result.stderr).toContain('Usage: exoclaw-temporal turn');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('needs a message', async () => {
    const result = await runCli(['turn', '--session', 's1'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('turn needs a message');
  }, 30_000);

  it('rejects an unknown flag', async () => {
    const result = await runCli(['turn', '--session', 's1', '--bogus', 'hi'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^unknown flag --bogus$/m); // nothing close enough to suggest
    expect(result.stderr).toContain('Usage: exoclaw-temporal turn');
  }, 30_000);
});

describe('mistyped flags', () => {
  it.each([
    [['turn', '--sesion', 's1', 'hi'], '--sesion', '--session', 'turn'],
    [['send', '--session', 's1', '--nowait', 'hi'], '--nowait', '--no-wait', 'send'],
    [['chat', '--pol=100'], '--pol', '--poll', 'chat'],
    [['worker', '--shutdown-grase', '5s'], '--shutdown-grase', '--shutdown-grace', 'worker'],
    [['gc', '--older-than', '7d', '--dryrun'], '--dryrun', '--dry-run', 'gc'],
    [['up', '--prot', '0'], '--prot', '--port', 'up'],
  ])('%j names the flag it was probably meant to be (exit 2)', async (args, typed, meant, command) => {
    const result = await runCli(args, cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`unknown flag ${typed} (did you mean ${meant}?)`);
    expect(result.stderr).toContain(`Usage: exoclaw-temporal ${command}`);
    expect(result.stderr).not.toContain('Unknown option');
  }, 30_000);

  it('a flag another session command takes is unknown here', async () => {
    const result = await runCli(['turn', '--session', 's1', '--poll', '100', 'hi'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown flag --poll');
  }, 30_000);
});

describe('command list', () => {
  it('lists worker, up, demo and llm-server; an unknown command exits 2', async () => {
    const help = await runCli(['--help'], cliEnv(home));
    expect(help.code).toBe(0);
    for (const name of ['turn', 'worker', 'up', 'demo', 'llm-server']) expect(help.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    const unknown = await runCli(['nonsense'], cliEnv(home));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "nonsense"');
  }, 30_000);

  it('up and demo reject a bad port (exit 2)', async () => {
    const result = await runCli(['up', '--port', 'abc'], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port needs a port number');
  }, 30_000);
});

describe('exoclaw-temporal llm-server', () => {
  it('serves the scripted LLM until SIGTERM, then exits 0', async () => {
    const proc = spawnCli(['llm-server', '--port', '0'], cliEnv(home));
    try {
      const line = await proc.waitForLine(/listening on http:\/\//, 30_000);
      const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'scripted-llm', messages: [{ role: 'user', content: 'My name is Ada' }] }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0]?.message.content).toContain('Ada');
    } finally {
      const stopped = await stopCli(proc, 'SIGTERM');
      expect(stopped.code).toBe(0);
    }
  }, 30_000);
});
