// The local stack behind `npm start` / `npm run demo`, on free ports with a temp root (the
// real commands take 7233/8233), plus the turn-based example run against it.
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GREETING_FILE, runTurnBasedExample } from '../../examples/turn-based.js';
import { createLogger } from '../../src/logger.js';
import { CODEC_TOKEN_FILE, startLocalStack, workflowUrl } from '../../dev/local-stack/local-stack.js';
import { runUntilHangUp } from '../support/terminal.js';
import { cliEnv, ROOT, runCli, spawnCli, stopCli } from './cli-process.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'exoclaw-local-stack-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('startLocalStack', () => {
  it('runs the turn-based example end to end, and keeps history in <root>/temporal.db across restarts', async () => {
    const lines: string[] = [];
    const options = {
      root,
      port: 0,
      uiPort: 0,
      env: { HOME: root }, // no API key, no config file: the scripted LLM
      workflowBundle: { codePath: inject('workflowBundlePath') },
      logger: createLogger({ level: 'warn' }),
      progress: (line: string) => lines.push(line),
    };
    const stack = await startLocalStack(options);
    let workflowId: string;
    try {
      expect(stack.startedServer).toBe(true);
      expect(stack.workspace).toBe(join(root, 'workspace'));
      expect(stack.model).toBe('scripted/scripted-llm');
      expect(stack.llm).toBeDefined();
      expect(lines.join('\n')).toContain(`No API key found: using the scripted LLM server at ${stack.llm!.url}`);
      expect(stack.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // The Web UI decodes through the stack's codec server, which admits the UI's origins only.
      const uiPort = new URL(stack.uiUrl!).port;
      expect(stack.codec?.allowedOrigins).toEqual([stack.uiUrl, `http://localhost:${uiPort}`]);
      expect(stack.codec?.uiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token\/[A-Za-z0-9_-]{32}$/);
      expect((await stat(join(root, CODEC_TOKEN_FILE))).mode & 0o777).toBe(0o600);

      const log: string[] = [];
      const result = await runTurnBasedExample({ client: stack.client, workspace: stack.workspace, log: (l) => log.push(l) });
      expect(result.checks.map((c) => [c.name, c.ok, c.detail])).toEqual(result.checks.map((c) => [c.name, true, c.detail]));
      expect(result.ok).toBe(true);
      expect(result.checks.map((c) => c.workflows.length)).toEqual([1, 1, 2]);
      expect(await readFile(join(stack.workspace, GREETING_FILE), 'utf8')).toContain('Hello from Temporal!');
      expect(log.join('\n')).toContain('Your name is Ada');

      const run = result.checks[0]!.workflows[0]!;
      workflowId = run.workflowId;
      const link = stack.workflowUrl(run.workflowId, run.runId)!;
      expect(link).toBe(`${stack.uiUrl}/namespaces/default/workflows/${run.workflowId}/${run.runId}/history`);
      // The Web UI serves it (a single-page app: any route answers with the app).
      expect((await fetch(link)).status).toBe(200);
    } finally {
      await stack.stop();
    }
    expect(stack.server.process?.exitCode !== null || stack.server.process?.signalCode !== null).toBe(true);
    expect(existsSync(join(root, 'temporal.db'))).toBe(true);

    // A restarted stack on the same root still knows the workflows of the first one.
    const again = await startLocalStack({ ...options, ui: false });
    try {
      const description = await again.client.client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('COMPLETED');
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('builds Web UI links only when there is a UI', () => {
    expect(workflowUrl(undefined, 'default', 'w')).toBeUndefined();
    expect(workflowUrl('http://localhost:8233', 'my ns', 'a/b')).toBe('http://localhost:8233/namespaces/my%20ns/workflows/a%2Fb');
  });
});

describe('exoclaw-temporal demo and up (real processes)', () => {
  it('demo brings a stack up, passes all three checks, prints Web UI links and exits 0', async () => {
    const demoRoot = join(root, 'demo');
    const result = await runCli(['demo', '--root', demoRoot, '--port', '0', '--ui-port', '0'], cliEnv(root));
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('No API key found: using the scripted LLM server at');
    expect(result.stdout).toMatch(/\[1\/3\][^\n]*\n(.*\n)*?\s+ok:/);
    expect(result.stdout).toContain('All 3 checks passed.');
    expect(result.stdout).toMatch(/http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/turn-based-memory-2-\w+\/[\w-]+\/history/);
    expect(existsSync(join(demoRoot, 'workspace', GREETING_FILE))).toBe(true);
  }, 180_000);

  it('up keeps the stack running for `turn` from another process until SIGINT, then stops it all', async () => {
    const upRoot = join(root, 'up');
    const up = spawnCli(['up', '--root', upRoot, '--port', '0', '--headless'], cliEnv(root));
    let address: string;
    try {
      await up.waitForLine(/^Ctrl-C to stop\./, 120_000);
      address = /Temporal\s+(\S+:\d+)/.exec(up.stdout())![1]!;
      expect(up.stdout()).toMatch(new RegExp(`turn --session s1 "hi" --temporal-url ${address.replace(/\./g, '\\.')}`));

      const turn = await runCli(['turn', '--session', 's1', 'My name is Ada', '--json', '--temporal-url', address], cliEnv(root));
      expect(turn.code, turn.stderr).toBe(0);
      expect((JSON.parse(turn.stdout) as { finalContent: string }).finalContent).toContain('Ada');

      // The gateway runs too, and the printed local token opens it.
      const gateway = /Gateway\s+(http:\/\/\S+)/.exec(up.stdout())![1]!;
      const token = /Local token\s+(\S+)/.exec(up.stdout())![1]!;
      expect(up.stdout()).toContain(`curl -N -H "Authorization: Bearer $(cat`);
      expect((await fetch(`${gateway}/v1/models`)).status).toBe(401);
      const models = await fetch(`${gateway}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      expect(models.status).toBe(200);
      expect((await fetch(gateway)).headers.get('content-type')).toContain('text/html');
    } finally {
      const stopped = await stopCli(up, 'SIGINT', 60_000);
      expect(stopped.code, up.stderr()).toBe(0);
    }
    expect(up.stdout()).toContain('Stopped.');
    // The dev server is gone with it.
    const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
    expect(await acceptsConnections(host, port)).toBe(false);
  }, 180_000);

  it('up stops as gracefully when its terminal is closed (SIGHUP, then EIO on every write): exit 0, the dev server gone', async () => {
    const run = await runUntilHangUp([process.execPath, join(ROOT, 'bin', 'exoclaw-temporal.js'), 'up', '--root', join(root, 'up-hup'), '--port', '0', '--headless'], {
      until: /Ctrl-C to stop\./,
      timeoutMs: 120_000,
      env: cliEnv(root),
      cwd: ROOT,
    });
    expect(run.matched, run.output).toBe(true);
    expect({ exitCode: run.exitCode, signal: run.signal }, run.output).toEqual({ exitCode: 0, signal: null });
    const address = /Temporal\s+(\S+):(\d+)/.exec(run.output)!;
    expect(await acceptsConnections(address[1]!, Number(address[2]))).toBe(false);
  }, 180_000);
});

describe('up and a port that is already taken', () => {
  it('refuses a Temporal server it did not start (exit 1), naming the port and what to do; --attach uses it', async () => {
    const address = inject('temporalAddress');
    const port = address.slice(address.lastIndexOf(':') + 1);
    const args = ['up', '--root', join(root, 'attach'), '--port', port, '--headless', '--task-queue', `attach-${Date.now()}`];

    const refused = await runCli(args, cliEnv(root));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`exoclaw-temporal up: Port ${port} already has a Temporal server that this command did not start`);
    expect(refused.stderr).toContain('pass --attach to use it anyway');
    expect(refused.stderr).toContain('--port 0 to start a new server on a free port');
    expect(refused.stdout).not.toContain('exoclaw-temporal is up');

    const attached = spawnCli([...args, '--attach'], cliEnv(root));
    try {
      await attached.waitForLine(/^Ctrl-C to stop\./, 120_000);
      expect(attached.stdout()).toContain('(--attach)');
      expect(attached.stdout()).toContain('attached, not started here');
      expect(attached.stdout()).toMatch(/^ {2}State {8}\S+/m);
    } finally {
      expect((await stopCli(attached, 'SIGINT', 60_000)).code, attached.stderr()).toBe(0);
    }
    // Stopping an attached stack leaves the server it did not start alone.
    expect(await acceptsConnections(address.slice(0, address.lastIndexOf(':')), Number(port))).toBe(true);
  }, 180_000);

  it('refuses a --port taken by something that is not Temporal (exit 1)', async () => {
    const blocker = createServer((socket) => socket.destroy());
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runCli(['up', '--root', join(root, 'blocked'), '--port', String(port), '--headless'], cliEnv(root));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} is in use by something that is not a Temporal server. Choose another --port, or --port 0 for a free one.`);
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  }, 60_000);
});

function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolveProbe(true);
    });
    socket.once('error', () => resolveProbe(false));
  });
}
