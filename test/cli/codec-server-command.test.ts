// `exoclaw-temporal codec-server` as a real process: flags, refusals with exit code 2, and a
// server that answers only with its token until SIGTERM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, spawnCli, stopCli } from './cli-process.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'exoclaw-codec-cli-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const emptyDecode = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{"payloads":[]}' });

describe('exoclaw-temporal codec-server', () => {
  it('--help says what it serves and how the token travels', async () => {
    const result = await runCli(['codec-server', '--help'], cliEnv(home));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: exoclaw-temporal codec-server');
    expect(result.stdout).toContain('--ui-origin');
    expect(result.stdout).toContain('Authorization: Bearer <token>');
  });

  it.each([
    [['--ui-origin', '*'], /--ui-origin "\*" is refused/],
    [['--ui-origin', 'http://localhost:8233/namespaces'], /is not an origin: use scheme:\/\/host\[:port\] only/],
    [['--token', 'short'], /--token is 5 characters; use at least 16/],
    [['--port', 'eighty'], /--port needs a port number/],
    [['--prot', '1'], /unknown flag --prot \(did you mean --port\?\)/],
  ])('refuses %j with exit 2 and says why', async (args, message) => {
    const result = await runCli(['codec-server', ...args], cliEnv(home));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('serves with the token from the environment, refuses without it, and stops on SIGTERM', async () => {
    const token = 'cli-codec-token-0123456789';
    const proc = spawnCli(['codec-server', '--port', '0', '--state-dir', join(home, 'state')], cliEnv(home, { EXOCLAW_CODEC_TOKEN: token }));
    try {
      const ready = await proc.waitForLine(/^Codec server ready on/);
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(ready)![1]!;
      // A token the operator chose is never printed.
      expect(proc.stdout()).not.toContain(token);
      expect(proc.stdout()).toContain(`${url}/token/<token>`);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await emptyDecode(url)).status).toBe(401);
      const ok = await emptyDecode(url, { Authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ payloads: [] });
    } finally {
      const stopped = await stopCli(proc, 'SIGTERM');
      expect(stopped.code, proc.stderr()).toBe(0);
    }
    expect(proc.stdout()).toContain('Stopped.');
  });

  it('without a token makes one and prints the endpoint that carries it', async () => {
    const proc = spawnCli(['codec-server', '--port', '0', '--state-dir', join(home, 'state')], cliEnv(home));
    try {
      const line = await proc.waitForLine(/Web UI codec endpoint/);
      const endpoint = /(http:\/\/\S+\/token\/[A-Za-z0-9_-]{32})/.exec(line)![1]!;
      expect((await emptyDecode(endpoint)).status).toBe(200);
      expect((await emptyDecode(endpoint.replace(/\/token\/.*/, ''))).status).toBe(401);
    } finally {
      await stopCli(proc, 'SIGTERM');
    }
  });
});
