import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../src/core/tool.js';
import { DEFAULT_DENY_RULES, checkCommand } from '../../src/tools/command-guard.js';
import { PROVIDER_ENV_VARS } from '../../src/providers/provider-table.js';
import { scrubEnvironment } from '../../src/tools/exec-env.js';
import { createExecTool } from '../../src/tools/exec-tool.js';
import { HeadTailBuffer } from '../../src/tools/head-tail-buffer.js';
import { runProcess } from '../../src/tools/process-runner.js';
import { livePidsMatching } from '../durable/processes.js';
import { waitUntil } from '../support/wait.js';
import { liveGroupMembers } from './process-table.js';
import { textTool } from '../support/text-tool.js';

const here = dirname(fileURLToPath(import.meta.url));
let ws: string;
const ctx: ToolContext = { sessionId: 'test:exec' };
const started: number[] = [];

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'exoclaw-exec-'));
  mkdirSync(join(ws, 'sub'));
});

afterEach(() => {
  // Belt and braces: never leave a test's processes behind, even when an assertion failed.
  for (const pid of started.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

afterAll(() => {
  rmSync(ws, { recursive: true, force: true });
});

describe('exec', () => {
  it('runs in the workspace, reports stdout, stderr and the exit code', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    expect(await exec.execute({ command: 'echo hello; pwd' }, ctx)).toBe(`hello\n${realpathSync(ws)}\nExit code: 0`);
    expect(await exec.execute({ command: 'echo oops >&2; exit 3' }, ctx)).toBe('STDERR:\noops\nExit code: 3');
    expect(await exec.execute({ command: 'pwd', working_dir: 'sub' }, ctx)).toBe(`${realpathSync(join(ws, 'sub'))}\nExit code: 0`);
  });

  it('confines working_dir like file paths', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    expect(await exec.execute({ command: 'pwd', working_dir: '..' }, ctx)).toMatch(/^Error: .*outside the workspace/);
    expect(await exec.execute({ command: 'pwd', working_dir: '/etc' }, ctx)).toMatch(/^Error: .*outside the workspace/);
    expect(await exec.execute({ command: 'pwd', working_dir: 'missing' }, ctx)).toMatch(/^Error: "missing" does not exist/);
  });

  // Commands run in a PID namespace, so `$$` inside is not a host pid: the host's process table is
  // searched for each test's own `sleep N` instead (the durable tests do the same).
  it('kills `sleep 601` at the timeout and leaves nothing in the process table', async () => {
    const exec = textTool(createExecTool({ workspace: ws, timeoutSeconds: 1 }));
    const result = await exec.execute({ command: 'echo before; sleep 601' }, ctx);
    expect(result).toMatch(/^Error: the command timed out after 1s and its process group was killed/);
    expect(result).toContain('before');
    await waitUntil('sleep 601 to be killed', () => livePidsMatching('sleep 601').length === 0, { timeoutMs: 5_000 });
  });

  it('kills background children when the command ends', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    const result = await exec.execute({ command: 'sleep 602 & echo started' }, ctx);
    expect(result).toBe('started\nExit code: 0');
    await waitUntil('the background sleep 602 to be killed', () => livePidsMatching('sleep 602').length === 0, { timeoutMs: 5_000 });
  });

  it('also kills a background child that ignores SIGTERM', async () => {
    const exec = textTool(createExecTool({ workspace: ws, killGraceMs: 300 }));
    const result = await exec.execute({ command: "sh -c 'trap \"\" TERM; exec sleep 603' & sleep 0.3; echo ok" }, ctx);
    expect(result).toBe('ok\nExit code: 0');
    await waitUntil('the TERM-ignoring sleep 603 to be killed', () => livePidsMatching('sleep 603').length === 0, { timeoutMs: 5_000 });
  });

  it('caps the output of `yes`, keeping head and tail in bounded memory', async () => {
    const exec = textTool(createExecTool({ workspace: ws, timeoutSeconds: 2, maxOutputChars: 2000 }));
    const result = await exec.execute({ command: 'yes' }, ctx);
    // Either the timeout or the total-output limit (256 MB) stops it, whichever comes first.
    expect(result).toMatch(/^Error: the command (timed out after 2s|wrote more than \d+\.\d MB of output and was killed)/);
    expect(result).toMatch(/bytes of output omitted/);
    expect(result).toMatch(/^y$/m);
    expect(result.length).toBeLessThan(2000 + 600);

    // The runner itself: megabytes went through, a few kilobytes were kept.
    const direct = await runProcess({
      command: 'yes',
      cwd: ws,
      env: scrubEnvironment(),
      timeoutMs: 30_000,
      maxOutputBytes: 4096,
      killAfterOutputBytes: 50 * 1024 * 1024,
    });
    expect(direct.outputLimitExceeded).toBe(true);
    expect(direct.stdoutBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(direct.stdout.length).toBeLessThan(4096 + 100);
    expect(direct.truncated).toBe(true);
    expect(liveGroupMembers(direct.pid ?? -1)).toEqual([]);
  });

  it('drops every provider key and base-URL variable of the provider table, base URLs included', () => {
    const names = PROVIDER_ENV_VARS.map((variable) => variable.name);
    // Base URLs carry no secret-looking word, so only the table catches them.
    expect(names).toEqual(expect.arrayContaining(['OLLAMA_API_BASE', 'VLLM_API_BASE', 'CUSTOM_API_BASE', 'EXOCLAW_SCRIPTED_LLM_URL']));
    const env = Object.fromEntries(names.map((name) => [name, `http://user:canary@${name.toLowerCase()}.internal`]));
    const scrubbed = scrubEnvironment({ ...env, PATH: '/usr/bin', EXOCLAW_KEEP_ME: 'kept' });
    for (const name of names) expect(scrubbed, name).not.toHaveProperty(name);
    expect(scrubbed).toMatchObject({ PATH: '/usr/bin', EXOCLAW_KEEP_ME: 'kept' });
  });

  it('keeps a scrubbed environment: no secrets, but PATH and HOME', async () => {
    const canaries: Record<string, string> = {
      EXOCLAW_CANARY_SECRET: 'canary-secret-1',
      MY_API_KEY: 'canary-key-2',
      OPENAI_API_KEY: 'sk-canary-3',
      ANTHROPIC_BASE_URL: 'http://canary-4',
      TEMPORAL_API_KEY: 'canary-5',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/canary-6',
      GITHUB_TOKEN: 'canary-7',
      DB_PASSWORD: 'canary-8',
      some_credential_file: 'canary-9',
      LD_PRELOAD: '/canary-10.so',
    };
    Object.assign(process.env, canaries);
    try {
      const exec = textTool(createExecTool({ workspace: ws }));
      const result = await exec.execute({ command: 'printenv' }, ctx);
      for (const value of Object.values(canaries)) expect(result).not.toContain(value);
      expect(result).toMatch(/^PATH=/m);
      expect(result).toMatch(/^HOME=/m);
    } finally {
      for (const name of Object.keys(canaries)) delete process.env[name];
    }
  });

  it.each([
    ['PATH=/tmp/x ls', /sets PATH/],
    ['export PATH=/tmp/evil:$PATH; ls', /sets PATH/],
    ['env PATH=/tmp/x ls', /sets PATH/],
    ['export LD_PRELOAD=/tmp/x.so; ls', /sets LD_PRELOAD/],
    ['LD_LIBRARY_PATH=/tmp ls', /sets LD_LIBRARY_PATH/],
  ])('refuses inline environment overrides: %s', async (command, why) => {
    const exec = textTool(createExecTool({ workspace: ws }));
    const result = await exec.execute({ command: `${command}; touch ran.txt` }, ctx);
    expect(result).toMatch(/^Error: Command refused/);
    expect(result).toMatch(why);
    expect(existsSync(join(ws, 'ran.txt'))).toBe(false);
  });

  it('applies the deny list before running anything (custom pattern, harmless command)', async () => {
    const exec = textTool(createExecTool({ workspace: ws, denyPatterns: ['forbidden-word'] }));
    const result = await exec.execute({ command: 'touch ran.txt; echo forbidden-word' }, ctx);
    expect(result).toMatch(/^Error: Command refused: it matches the deny pattern/);
    expect(existsSync(join(ws, 'ran.txt'))).toBe(false);
  });

  it('stops promptly when cancelled and kills the whole group', async () => {
    const exec = textTool(createExecTool({ workspace: ws, timeoutSeconds: 600 }));
    const controller = new AbortController();
    const t0 = Date.now();
    setTimeout(() => controller.abort(), 500);
    const result = await exec.execute({ command: 'sleep 604 & sleep 605' }, { ...ctx, signal: controller.signal });
    expect(result).toMatch(/^Error: the command was cancelled/);
    expect(Date.now() - t0).toBeLessThan(10_000); // far below the 600 s it would otherwise take
    await waitUntil('sleep 604 and sleep 605 to be killed', () => [...livePidsMatching('sleep 604'), ...livePidsMatching('sleep 605')].length === 0, {
      timeoutMs: 5_000,
    });
  });

  it('kills running commands when the worker process exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exoclaw-exit-'));
    try {
      execFileSync(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'exit-while-running.ts'), dir], {
        cwd: join(here, '../..'),
        timeout: 30_000,
      });
      const pgid = Number(readFileSync(join(dir, 'group.pid'), 'utf8'));
      started.push(pgid);
      await waitUntil('the process group to be gone', () => liveGroupMembers(pgid).length === 0, { timeoutMs: 5_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not re-run a command whose previous attempt was interrupted', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    const result = await exec.execute({ command: 'touch side-effect.txt' }, { ...ctx, previousAttemptInterrupted: true });
    expect(result).toContain('previous attempt of this exec call was interrupted');
    expect(result).toContain('touch side-effect.txt');
    expect(result).toContain('call exec again');
    expect(existsSync(join(ws, 'side-effect.txt'))).toBe(false);
  });

  it('reports progress with elapsed time and the last output line', async () => {
    const exec = textTool(createExecTool({ workspace: ws, progressIntervalMs: 200 }));
    const progress: string[] = [];
    await exec.execute({ command: 'echo first-line; sleep 1' }, { ...ctx, onProgress: (d) => progress.push(d) });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((p) => /^running \d+s: first-line$/.test(p))).toBe(true);
  });
});

describe('command guard (default deny list, checked without running anything)', () => {
  it.each([
    'rm -rf /',
    'rm -fr /*',
    'sudo rm -rf --no-preserve-root /',
    'rm -rf ~',
    'mkfs.ext4 /dev/sda1',
    'dd if=/dev/zero of=/dev/sda bs=1M',
    'cat image > /dev/nvme0n1',
    ':(){ :|:& };:',
    'shutdown -h now',
    'ls; reboot',
    'chmod -R 777 /',
  ])('refuses %s', (command) => {
    expect(checkCommand(command, DEFAULT_DENY_RULES)).toMatch(/^Error: Command refused: /);
  });

  it.each(['rm -rf ./build', 'rm -rf /tmp/x', 'dd if=/dev/zero of=/dev/null count=1', 'echo reboot-notes', 'npm test', 'MYPATH=1 env'])(
    'allows %s',
    (command) => {
      expect(checkCommand(command, DEFAULT_DENY_RULES)).toBeUndefined();
    },
  );
});

describe('HeadTailBuffer', () => {
  it('keeps head and tail of 100 MB in a few kilobytes', () => {
    const buffer = new HeadTailBuffer(1000);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    buffer.push(Buffer.from('HEAD-'));
    for (let i = 0; i < 1600; i++) buffer.push(chunk);
    buffer.push(Buffer.from('-TAIL'));
    const text = buffer.toString();
    expect(text.startsWith('HEAD-')).toBe(true);
    expect(text.endsWith('-TAIL')).toBe(true);
    expect(text.length).toBeLessThan(1100);
    expect(buffer.totalBytes).toBe(1600 * 64 * 1024 + 10);
  });
});
