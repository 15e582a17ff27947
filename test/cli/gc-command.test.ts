// `exoclaw-temporal gc` as a real process on a temp state root; no Temporal needed.
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEventStore } from '../../src/events/index.js';
import { cliEnv, ROOT, runCli } from './cli-process.js';

const DAY = 86_400_000;
let home: string;
let stateDir: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'exoclaw-cli-gc-'));
  stateDir = join(home, 'state');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function put(relative: string, ageMs: number): Promise<string> {
  const path = join(stateDir, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, 'data');
  const when = new Date(Date.now() - ageMs);
  await utimes(path, when, when);
  return path;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

describe('exoclaw-temporal gc', () => {
  it('dry-runs, then deletes old state with a JSON report, leaving sessions/ alone', async () => {
    const oldBlob = await put('blobs/aa/old.json', 10 * DAY);
    const freshBlob = await put('blobs/bb/fresh.json', DAY);
    const session = await put('sessions/s1.jsonl', 100 * DAY);

    const dry = await runCli(['gc', '--state-dir', stateDir, '--dry-run'], cliEnv(home));
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/Would remove 1 file\(s\), 4 B/);
    expect(dry.stdout).toMatch(/blobs\s+1 removed/);
    expect(await exists(oldBlob)).toBe(true);

    const real = await runCli(['gc', '--state-dir', stateDir, '--older-than', '7d', '--json'], cliEnv(home));
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ stateDir, removedFiles: 1, removedBytes: 4, keptFiles: 1, dryRun: false, olderThanMs: 7 * DAY });
    expect(report['byKind']).toMatchObject({ blobs: { removed: 1, bytes: 4, kept: 1 } });
    expect(await exists(oldBlob)).toBe(false);
    expect(await exists(freshBlob)).toBe(true);
    expect(await exists(session)).toBe(true);
  }, 30_000);

  it('trims session event streams to the retention, keeping the last event so numbering goes on', async () => {
    stateDir = join(home, 'state-events');
    const store = new FileEventStore(stateDir);
    const at = (ageMs: number) => new Date(Date.now() - ageMs).toISOString();
    const lines = [
      { seq: 1, sessionId: 'old-and-new', at: at(10 * DAY), type: 'message', content: 'old' },
      { seq: 2, sessionId: 'old-and-new', at: at(DAY), type: 'message', content: 'fresh' },
    ];
    await mkdir(store.dir, { recursive: true });
    await writeFile(store.pathOf('old-and-new'), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    await writeFile(store.pathOf('only-old'), `${JSON.stringify({ seq: 7, sessionId: 'only-old', at: at(20 * DAY), type: 'message', content: 'x' })}\n`);

    const run = await runCli(['gc', '--state-dir', stateDir], cliEnv(home));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/events\s+trimmed 1 event\(s\) from 1 session stream\(s\) \(file\)/);
    expect((await store.read('old-and-new')).map((event) => event.seq)).toEqual([2]);
    expect((await store.read('only-old')).map((event) => event.seq)).toEqual([7]);
    expect((await store.append('only-old', { type: 'message', content: 'next' })).seq).toBe(8);
  }, 30_000);

  it('refuses a retention under 48h without --force, and a malformed duration', async () => {
    stateDir = join(home, 'state-force');
    const recent = await put('tool-outputs/recent.txt', 3 * 3_600_000);
    const refused = await runCli(['gc', '--state-dir', stateDir, '--older-than', '1h'], cliEnv(home));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('48 h minimum');
    expect(refused.stderr).toContain('Usage: exoclaw-temporal gc');
    expect(await exists(recent)).toBe(true);

    const bad = await runCli(['gc', '--state-dir', stateDir, '--older-than', 'soon'], cliEnv(home));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than needs a duration');

    const forced = await runCli(['gc', '--state-dir', stateDir, '--older-than', '1h', '--force'], cliEnv(home));
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/Removed 1 file\(s\)/);
    expect(await exists(recent)).toBe(false);
  }, 30_000);

  it('warns about a mistyped config key with the key it was probably meant to be, and carries on', async () => {
    const config = join(home, 'typo.json');
    await writeFile(config, JSON.stringify({ agents: { defaults: { stateDri: '/nowhere' } } }));
    const result = await runCli(['gc', '--config', config, '--state-dir', join(home, 'state-typo'), '--dry-run'], cliEnv(home));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      `warning: Unknown config key "agents.defaults.stateDri" in ${config} is ignored; did you mean "agents.defaults.stateDir"?\n`,
    );
  }, 30_000);

  it('with nothing configured, sweeps the state root npm start uses (<project>/.exoclaw/workspace.state) and says so', async () => {
    const local = join(ROOT, '.exoclaw', 'workspace.state');
    // A developer's own local stack may be there: only what this test made is removed again.
    const madeRoot = !(await exists(join(ROOT, '.exoclaw')));
    const made = !(await exists(local));
    if (made) await mkdir(join(local, 'blobs'), { recursive: true });
    try {
      const result = await runCli(['gc', '--dry-run'], cliEnv(home));
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`from ${local} `);
      expect(result.stdout).toContain("(the local stack's state root (npm start), since no workspace or state root is configured; --state-dir picks another)");

      // A configured workspace wins: its own state root, and a hint where else state may be when it is empty.
      const configured = await runCli(['gc', '--dry-run', '--workspace', join(home, 'ws-configured')], cliEnv(home));
      expect(configured.code).toBe(0);
      expect(configured.stdout).toContain(`from ${join(home, 'ws-configured.state')} `);
      expect(configured.stdout).toContain('no runtime state found in');
      expect(configured.stdout).toContain('--state-dir names the one to sweep');
    } finally {
      if (made) await rm(madeRoot ? join(ROOT, '.exoclaw') : local, { recursive: true, force: true });
    }
  }, 30_000);
});
