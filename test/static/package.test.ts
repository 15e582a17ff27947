// `npm pack` as a user of the package gets it: the tarball installs, its `exports` resolve, its bin
// runs the compiled worker, and its workflow bundle holds the agent workflows and nothing else.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPodSpecs, loadManifests, ROOT } from './manifests.js';
import { isSandboxRunnerCommand } from './trust-domains.js';

const run = promisify(execFile);
let dir: string;
let installed: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'exoclaw-pack-'));
  // prepack builds dist/ (tsc) and the production workflow bundle first.
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });
  const [{ filename }] = JSON.parse(stdout.slice(stdout.indexOf('['))) as [{ filename: string }];
  // Install it the way npm would, with the dependencies this checkout already has (no network).
  const modules = join(dir, 'app', 'node_modules');
  installed = join(modules, 'exoclaw-temporal');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(dir, filename), '-C', installed, '--strip-components=1']);
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies)) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
  }
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => resolve(entry.parentPath, entry.name).slice(root.length + 1));
}

describe('the npm package', () => {
  it('ships compiled JavaScript and declarations, no TypeScript sources and no tsx', () => {
    const files = filesUnder(installed);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/workflow-bundle.js');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['tsx']).toBeUndefined();
  });

  it('resolves its exports from a consumer', async () => {
    const probe = `
      const api = await import('exoclaw-temporal');
      const contract = await import('exoclaw-temporal/contract');
      const workflows = await import('exoclaw-temporal/workflows');
      const bundle = import.meta.resolve('exoclaw-temporal/workflow-bundle');
      console.log(JSON.stringify({
        api: ['defineTool', 'createAgentWorker', 'startWorker', 'ExoclawClient', 'SessionClient', 'runTurn', 'ToolRegistry', 'AgentLoop', 'loadConfig'].filter((k) => typeof api[k] !== 'function'),
        contract: typeof contract.TurnWorkflowInput?.safeParse,
        workflows: Object.keys(workflows).sort(),
        bundle: bundle.endsWith('/dist/workflow-bundle.js'),
      }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: join(dir, 'app') });
    expect(JSON.parse(stdout)).toEqual({
      api: [],
      contract: 'function',
      workflows: ['AgentSessionWorkflow', 'AgentTurnWorkflow', 'ScheduledMessageWorkflow', 'SessionSubagentWorkflow'],
      bundle: true,
    });
  });

  it('runs the compiled worker command from its bin', async () => {
    const bin = join(installed, 'bin', 'exoclaw-temporal.js');
    expect(existsSync(join(installed, 'src'))).toBe(false);
    const { stdout } = await run(process.execPath, [bin, 'worker', '--help'], { cwd: join(dir, 'app') });
    expect(stdout).toMatch(/^Usage: exoclaw-temporal worker/);
  });

  it('runs the exec sandbox runner exactly as the deployment files start it, from the compiled code', async () => {
    const commands = new Set(
      allPodSpecs(loadManifests())
        .flatMap((p) => p.spec.containers)
        .filter((c) => isSandboxRunnerCommand(c.command))
        .map((c) => JSON.stringify(c.command)),
    );
    expect(commands.size).toBeGreaterThan(0);
    for (const command of commands) {
      const [node, ...argv] = JSON.parse(command) as string[];
      expect(node).toBe('node');
      await expectRunnerWorks(argv);
    }
  });

  it('keeps dev tooling out of the worker: its import graph never reaches dist/dev/', () => {
    const seen = new Set<string>();
    const queue = [join(installed, 'dist', 'src', 'cli', 'worker-command.js')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        queue.push(resolve(dirname(file), m[1]!));
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter((file) => file.includes('/dist/dev/'))).toEqual([]);
  });

  it('bundles the production workflows only: no smoke or benchmark workflow', () => {
    const bundle = readFileSync(join(installed, 'dist', 'workflow-bundle.js'), 'utf8');
    for (const name of ['AgentTurnWorkflow', 'AgentSessionWorkflow', 'SessionSubagentWorkflow', 'ScheduledMessageWorkflow']) {
      expect(bundle).toContain(name);
    }
    expect(bundle).not.toContain('smokeWorkflow');
    expect(bundle).not.toContain('benchEmptyActivitiesWorkflow');
  });
});

/** Starts the runner with `argv` where the image's WORKDIR would be, and runs one command through it. */
async function expectRunnerWorks(argv: string[]): Promise<void> {
  const workspace = mkdtempSync(join(tmpdir(), 'exoclaw-runner-ws-'));
  // The image's WORKDIR holds what the package holds: bin/, dist/, package.json.
  const child = spawn(process.execPath, argv, {
    cwd: installed,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', SANDBOX_ROOT: workspace, HOME: workspace },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const port = await new Promise<string>((resolvePort, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const m = /listening on port (\d+)/.exec(err);
        if (m) resolvePort(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`node ${argv.join(' ')} exited (${code}): ${err}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const response = await fetch(`http://127.0.0.1:${port}/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: 'echo task complete > out.txt && cat out.txt', timeoutSeconds: 10 }),
    });
    expect(await response.json()).toMatchObject({ exitCode: 0, stdout: 'task complete\n' });
    expect(readFileSync(join(workspace, 'out.txt'), 'utf8')).toBe('task complete\n');
  } finally {
    child.kill('SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
  }
}
