// The real `exoclaw-temporal migrate` process on nanobot's files; no Temporal needed.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/conversation/session-store.js';
import { cliEnv, ROOT, runCli } from './cli-process.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'nanobot', 'sessions', 'telegram_42.jsonl');

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'exoclaw-cli-migrate-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('exoclaw-temporal migrate', () => {
  it("dry-runs, converts nanobot's sessions with a backup, then has nothing more to do", async () => {
    // nanobot's layout: config at ~/.nanobot/config.json without a workspace, sessions and memory in ~/.nanobot/workspace.
    const nanobot = join(home, '.nanobot');
    const workspace = join(nanobot, 'workspace');
    await mkdir(join(workspace, 'sessions'), { recursive: true });
    await mkdir(join(workspace, 'memory'), { recursive: true });
    await writeFile(join(nanobot, 'config.json'), JSON.stringify({ agents: { defaults: { model: 'scripted/scripted-llm' } } }));
    await copyFile(FIXTURE, join(workspace, 'sessions', 'telegram_42.jsonl'));
    await writeFile(join(workspace, 'memory', 'MEMORY.md'), 'Ada has a cat.\n');
    const env = cliEnv(home);

    const dry = await runCli(['migrate', '--dry-run'], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing is changed.');
    expect(dry.stdout).toContain(`(workspace ${workspace}, state ${workspace}.state)`);
    expect(dry.stdout).toMatch(/would convert\s+\S+telegram_42\.jsonl → session "telegram:42" \(8 message\(s\)\)/);
    expect(await readdir(join(workspace, 'sessions'))).toEqual(['telegram_42.jsonl']);

    const run = await runCli(['migrate', '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { stateDir: string; sessions: Array<Record<string, unknown>> };
    expect(result.stateDir).toBe(`${workspace}.state`);
    expect(result.sessions).toEqual([expect.objectContaining({ action: 'convert', key: 'telegram:42', messages: 8 })]);
    expect(await readFile(String(result.sessions[0]!['backup']), 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));
    const store = new SessionStore(result.stateDir);
    expect((await store.read('telegram:42')).messages[0]?.content).toBe('Hi! My name is Ada and my cat is called Biscuit.');
    // Memory stays in the workspace, untouched.
    expect(await readFile(join(workspace, 'memory', 'MEMORY.md'), 'utf8')).toBe('Ada has a cat.\n');

    const again = await runCli(['migrate'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No nanobot session files in .*: nothing to migrate\.$/m);
  }, 60_000);

  it('exits 1 and says why when a file is left in place; --help describes the command', async () => {
    const workspace = join(home, 'ws-bad');
    await mkdir(join(workspace, 'sessions'), { recursive: true });
    await writeFile(join(workspace, 'sessions', 'weird.jsonl'), '{"_type": "metadata", "key": "a\\u0000b"}\n');
    const result = await runCli(['migrate', '--workspace', workspace], cliEnv(home));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('weird.jsonl → session "a\\u0000b"'); // escaped, never printed raw
    expect(result.stdout).toContain('cannot be a session id here');

    const help = await runCli(['migrate', '--help'], cliEnv(home));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: exoclaw-temporal migrate [--dry-run]');
    const list = await runCli(['--help'], cliEnv(home));
    expect(list.stdout).toMatch(/^ {2}migrate +convert nanobot's session files/m);
  }, 60_000);
});
