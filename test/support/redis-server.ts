// A real redis-server for tests, on a free port in a temporary folder. Debian's `redis-server`
// package provides it (.ci/run installs it); without it the test fails saying how to get it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitUntil } from './wait.js';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const found = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      `${binary} is not installed, so the Redis event-stream tests cannot run. Install Debian's redis-server package ` +
        '(apt-get install -y redis-server, as .ci/run does) or point REDIS_SERVER at the binary.',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'exoclaw-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntil('redis-server ready', () => /Ready to accept connections/i.test(output) || child.exitCode !== null, {
    detail: () => output.slice(-2000),
  });
  if (child.exitCode !== null) throw new Error(`redis-server exited at once:\n${output.slice(-2000)}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
