// `exoclaw-temporal gc` as a real process on a temp state root; no Temporal needed.
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './cli-process.js';

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
});
