// `TEMPORAL_CLI=… npm run setup` is remembered, so the next start finds the CLI without the
// variable. The real setup script runs in a copy of the project's layout (its own .temporal/),
// never touching this checkout's.
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemporalCli } from '../../dev/local-stack/temporal-cli.js';
import { ROOT } from './cli-process.js';

let project: string;
let realCli: string;

beforeAll(async () => {
  realCli = resolveTemporalCli();
  project = await mkdtemp(join(tmpdir(), 'exoclaw-setup-'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'exoclaw-temporal', type: 'module' }));
  await symlink(join(ROOT, 'node_modules'), join(project, 'node_modules'));
  // PATH holds node and nothing else: no temporal to find by accident.
  await mkdir(join(project, 'path-bin'));
  await symlink(process.execPath, join(project, 'path-bin', 'node'));
  for (const file of ['scripts/setup-temporal.mjs', 'dev/local-stack/temporal-cli.ts', 'src/package-root.ts']) {
    await mkdir(dirname(join(project, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(project, file));
  }
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

/** The copied project, with no temporal on PATH. */
function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, args, {
    cwd: project,
    encoding: 'utf8',
    env: { HOME: project, PATH: join(project, 'path-bin'), ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const RESOLVE = [
  '--import',
  'tsx',
  '-e',
  "import('./dev/local-stack/temporal-cli.ts').then((m) => console.log(m.resolveTemporalCli()), (e) => { console.error(e.message); process.exit(1); })",
];

describe('npm run setup with TEMPORAL_CLI', () => {
  it('remembers the CLI in .temporal/cli-path; the next lookup finds it without the variable', async () => {
    const before = run(RESOLVE);
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('No Temporal CLI found');

    const setup = run(['scripts/setup-temporal.mjs'], { TEMPORAL_CLI: realCli });
    expect(setup.code, setup.stderr).toBe(0);
    expect(setup.stdout).toContain(`temporal CLI: ${realCli} (from $TEMPORAL_CLI; remembered in ${join(project, '.temporal', 'cli-path')}`);
    expect((await readFile(join(project, '.temporal', 'cli-path'), 'utf8')).trim()).toBe(realCli);

    const after = run(RESOLVE);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout.trim()).toBe(realCli);

    // Setup again without the variable: nothing to install, it says where the CLI comes from.
    const again = run(['scripts/setup-temporal.mjs']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('remembered from an earlier TEMPORAL_CLI=… npm run setup');
  }, 120_000);

  it('a remembered CLI that is gone is named in the error, with what to do', async () => {
    await writeFile(join(project, '.temporal', 'cli-path'), '/nowhere/temporal\n');
    const result = run(RESOLVE);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(project, '.temporal', 'cli-path')} names /nowhere/temporal, which is no longer an executable file.`);
    expect(result.stderr).toContain('TEMPORAL_CLI=/path/to/temporal npm run setup');
  }, 60_000);
});
