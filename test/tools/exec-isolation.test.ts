// exec isolation, tried the way a hostile model would: real processes, a worker-like process with
// a secret in its environment and its config file on its command line, real bubblewrap.
// Each probe is also run unisolated (isolation "none") as a control, to show it would catch a leak.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../src/core/tool.js';
import {
  chooseIsolation,
  execIsolationNotices,
  probeBwrap,
  resolveExecIsolation,
  type BwrapProbe,
  type ExecIsolationSettings,
} from '../../src/tools/exec-isolation.js';
import { createExecTool } from '../../src/tools/exec-tool.js';
import { waitUntil } from '../support/wait.js';
import { textTool } from '../support/text-tool.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../..');
const ctx: ToolContext = { sessionId: 'test:isolation' };
const CANARY = `exoclaw-canary-${randomUUID()}`;
const NOBODY = 65534;
// Sleep durations unique to this run: the host's process table is searched for them.
const salt = 70_000 + Math.floor(Math.random() * 9_000) * 10;
const sleepFor = (k: number): number => salt + k;

/** Host processes whose command line is exactly `sleep <seconds>` (wrappers that mention it do not count). */
function sleepers(seconds: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirProc()) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      if (cmdline !== `sleep ${seconds}`) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return pids;
}

function readdirProc(): string[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
}

const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

function requireBwrap(): void {
  const probe = probeBwrap();
  if (!probe.ok) {
    throw new Error(
      `These tests need a working bubblewrap: ${probe.reason}. ` +
        'Install it with `apt-get install -y bubblewrap` (CI does this in .ci/run).',
    );
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('The "user" isolation tests need root (CI runs as root): run them as root.');
}

/** A host process to aim signals at. */
function hostSleeper(seconds: number, opts: { uid?: number } = {}): ChildProcess {
  const child = spawn('sleep', [String(seconds)], { stdio: 'ignore', ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }) });
  if (child.pid) leftovers.push(child.pid);
  return child;
}

interface WorkerRun {
  pid: number;
  description: string;
  results: string[];
  exitCode: number | null;
}

/** Runs commands through the exec tool inside a worker-like process carrying the canary in its env and argv. */
function runAsWorker(input: {
  workspace: string;
  isolation: ExecIsolationSettings;
  commands: string[];
  configFile: string;
}): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'exec-as-worker.ts'), '--config', input.configFile],
      { cwd: repoRoot, env: { ...process.env, EXOCLAW_TEST_CANARY: CANARY, OPENAI_API_KEY: `sk-${CANARY}` }, stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ ...(JSON.parse(out) as Omit<WorkerRun, 'exitCode'>), exitCode: code });
      } catch {
        reject(new Error(`the worker stand-in exited ${code} without results: ${out}`));
      }
    });
    child.stdin.end(JSON.stringify({ workspace: input.workspace, isolation: input.isolation, commands: input.commands }));
  });
}

/** The probes a hostile command tries against the worker that runs it. */
function probes(configFile: string, hostPid: number) {
  return {
    parentEnviron: `cat /proc/$PPID/environ | tr '\\0' '\\n'`,
    initEnviron: `cat /proc/1/environ | tr '\\0' '\\n'`,
    allEnviron: `tr '\\0' '\\n' < /proc/self/environ; for f in /proc/*/environ; do tr '\\0' '\\n' < "$f"; done`,
    printenv: 'printenv',
    parentCmdline: `tr '\\0' ' ' < /proc/$PPID/cmdline`,
    allCmdline: `for f in /proc/*/cmdline; do tr '\\0' ' ' < "$f"; echo; done`,
    configFile: `cat ${configFile}`,
    killWorker: `kill -9 {{WORKER_PID}}; kill -9 $PPID; kill -9 ${process.pid}; kill -9 ${hostPid}; echo still-running`,
    afterKill: 'echo the worker answered',
  };
}
type ProbeName = keyof ReturnType<typeof probes>;

async function runProbes(workspace: string, isolation: ExecIsolationSettings, configFile: string, hostPid: number, skip: ProbeName[] = []) {
  const all = probes(configFile, hostPid);
  const names = (Object.keys(all) as ProbeName[]).filter((name) => !skip.includes(name));
  const run = await runAsWorker({ workspace, isolation, configFile, commands: names.map((name) => all[name]) });
  const byName = Object.fromEntries(names.map((name, i) => [name, run.results[i] ?? ''])) as Record<ProbeName, string>;
  return { run, byName };
}

describe('exec isolation: bubblewrap (the default where it works)', () => {
  let ws: string;
  let outside: string;
  let configFile: string;

  // Each test fails (none is skipped) with the install hint when bubblewrap does not work here.
  beforeEach(requireBwrap);
  beforeAll(() => {
    ws = realpathSync(mkdtempSync(join(tmpdir(), 'exoclaw-iso-ws-')));
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'exoclaw-iso-cfg-')));
    configFile = join(outside, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { openai: { apiKey: CANARY } } }));
  });
  afterAll(() => {
    for (const dir of [ws, outside]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('auto picks bwrap here, logs it at start-up, and tells the model the truth', () => {
    expect(resolveExecIsolation({}).kind).toBe('bwrap');
    const notices = execIsolationNotices({}, { workspace: ws });
    expect(notices).toEqual([
      { level: 'info', message: 'exec isolation: bwrap (pid, mount, user, ipc, uts, cgroup namespaces; network on)' },
    ]);
    const description = createExecTool({ workspace: ws }).description;
    expect(description).toContain('isolated sandbox');
    expect(description).not.toContain('Secrets are not in the environment');
  });

  it("cannot read the worker's environment, command line or config file, and cannot signal it", async () => {
    const host = hostSleeper(sleepFor(1));
    const { run, byName } = await runProbes(ws, {}, configFile, host.pid ?? -1);
    expect(run.exitCode).toBe(0); // the worker survived `kill -9` of itself and of $PPID
    expect(byName.afterKill).toBe('the worker answered\nExit code: 0');
    expect(byName.killWorker).toContain('still-running');
    for (const name of ['parentEnviron', 'initEnviron', 'allEnviron', 'printenv', 'configFile'] as const) {
      expect(byName[name], name).not.toContain(CANARY);
    }
    for (const name of ['parentCmdline', 'allCmdline'] as const) {
      expect(byName[name], name).not.toContain(configFile);
      expect(byName[name], name).not.toContain('exec-as-worker');
      expect(byName[name], name).not.toContain('vitest');
    }
    expect(byName.configFile).toMatch(/No such file or directory/);
    expect(sleepers(sleepFor(1))).toEqual([host.pid]); // a host process it aimed at is untouched
  });

  it('the same probes without isolation (control): they do catch a leak', async () => {
    const { run, byName } = await runProbes(ws, { isolation: 'none' }, configFile, -1, ['killWorker']);
    expect(run.exitCode).toBe(0);
    expect(run.description).toContain('without isolation');
    expect(byName.parentEnviron).toContain(CANARY);
    expect(byName.allEnviron).toContain(CANARY);
    expect(byName.parentCmdline).toContain(configFile);
    expect(byName.configFile).toContain(CANARY);
    // A deny list of secret-looking names misses a secret under any other name; the allow list does not.
    expect(byName.printenv).not.toContain('OPENAI_API_KEY=');
    expect(byName.printenv).toContain(`EXOCLAW_TEST_CANARY=${CANARY}`);
  });

  it('writes the workspace and nothing outside it; /tmp and $HOME start empty', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    expect(await exec.execute({ command: 'echo data > out.txt && cat out.txt' }, ctx)).toBe('data\nExit code: 0');
    expect(readFileSync(join(ws, 'out.txt'), 'utf8')).toBe('data\n');

    const planted = join(outside, 'planted.txt');
    const attempts = await exec.execute(
      {
        command:
          `echo x > ${planted}; touch /usr/planted; touch /etc/planted; touch /planted; ` +
          `ln -s ${configFile} link-out; cat link-out; ls ${repoRoot}; ls /root; echo end`,
      },
      ctx,
    );
    expect(attempts).toContain('end');
    expect(attempts).not.toContain(CANARY);
    expect(attempts).toMatch(/\/usr\/planted.*Read-only file system/);
    expect(attempts).not.toContain('package.json'); // the project checkout is not there
    expect(existsSync(planted)).toBe(false);
    expect(existsSync('/usr/planted')).toBe(false);
    expect(existsSync('/planted')).toBe(false);

    expect(await exec.execute({ command: 'echo t > /tmp/t && echo h > $HOME/h && ls /tmp $HOME' }, ctx)).toContain('t');
    // Only the workspace's own mount point shows in /tmp (the test workspace lives there).
    const mountPoint = ws.startsWith('/tmp/') ? `${ws.slice('/tmp/'.length).split('/')[0]}\n` : '';
    expect(await exec.execute({ command: 'ls -A /tmp $HOME' }, ctx)).toBe(`/home/sandbox:\n\n/tmp:\n${mountPoint}Exit code: 0`);
  });

  it('with network off cannot reach a TCP server on the host; with it on, can', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.end('hello\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const node = realpathSync(process.execPath);
      const command =
        `${node} -e "require('net').connect(${port}, '127.0.0.1')` +
        `.on('data', (d) => { console.log('got', String(d).trim()); process.exit(0); })` +
        `.on('error', (e) => { console.log('failed', e.code); process.exit(3); })"`;
      // node itself may live outside /usr (nvm, toolcache): give the sandbox its folder read-only.
      const readOnlyPaths = [dirname(node)];
      const off = textTool(createExecTool({ workspace: ws, isolation: { network: false, readOnlyPaths } }));
      const offResult = await off.execute({ command }, ctx);
      expect(offResult).toMatch(/failed ECONNREFUSED\nExit code: 3$/);
      expect(connections).toBe(0);

      const on = textTool(createExecTool({ workspace: ws, isolation: { network: true, readOnlyPaths } }));
      expect(await on.execute({ command }, ctx)).toBe('got hello\nExit code: 0');
      expect(connections).toBe(1);
    } finally {
      server.close();
    }
  });

  it('leaves nothing behind: setsid and double-forked children die with the call', async () => {
    const exec = textTool(createExecTool({ workspace: ws }));
    const [a, b, c] = [sleepFor(11), sleepFor(12), sleepFor(13)];
    const result = await exec.execute(
      { command: `setsid sh -c 'sleep ${a}' & (sleep ${b} &); sh -c 'sleep ${c} &'; sleep 0.3; echo started` },
      ctx,
    );
    expect(result).toBe('started\nExit code: 0');
    await waitUntil('the setsid and double-forked sleeps to be killed', () => [a, b, c].every((s) => sleepers(s).length === 0), {
      timeoutMs: 5_000,
    });
  });

  it('control: without isolation a setsid child does outlive the call (so the check above can fail)', async () => {
    const exec = textTool(createExecTool({ workspace: ws, isolation: { isolation: 'none' } }));
    const d = sleepFor(14);
    expect(await exec.execute({ command: `setsid sleep ${d} & sleep 0.3; echo started` }, ctx)).toBe('started\nExit code: 0');
    await new Promise((r) => setTimeout(r, 300));
    const survivors = sleepers(d);
    leftovers.push(...survivors);
    expect(survivors.length).toBe(1);
  });

  it('kills setsid children at the timeout and on cancellation', async () => {
    const timed = textTool(createExecTool({ workspace: ws, timeoutSeconds: 1 }));
    const [a, b, c, d] = [sleepFor(21), sleepFor(22), sleepFor(23), sleepFor(24)];
    expect(await timed.execute({ command: `setsid sleep ${a} & sleep ${b}` }, ctx)).toMatch(/^Error: the command timed out after 1s/);
    await waitUntil('the timed-out sleeps to be killed', () => sleepers(a).length + sleepers(b).length === 0, { timeoutMs: 5_000 });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const cancelled = await textTool(createExecTool({ workspace: ws })).execute(
      { command: `setsid sleep ${c} & sleep ${d}` },
      { ...ctx, signal: controller.signal },
    );
    expect(cancelled).toMatch(/^Error: the command was cancelled/);
    await waitUntil('the cancelled sleeps to be killed', () => sleepers(c).length + sleepers(d).length === 0, { timeoutMs: 5_000 });
  });

  it('a SIGKILLed worker takes its running commands with it, setsid included', async () => {
    const [a, b] = [sleepFor(31), sleepFor(32)];
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'exec-as-worker.ts'), '--config', configFile], {
      cwd: repoRoot,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    if (child.pid) leftovers.push(child.pid);
    child.stdin.end(JSON.stringify({ workspace: ws, isolation: {}, timeoutSeconds: 600, commands: [`setsid sleep ${a} & sleep ${b}`] }));
    await waitUntil('both sleeps to start in the worker', () => sleepers(a).length === 1 && sleepers(b).length === 1, {
      timeoutMs: 20_000,
    });
    child.kill('SIGKILL');
    await waitUntil("the SIGKILLed worker's sleeps to die", () => sleepers(a).length + sleepers(b).length === 0, { timeoutMs: 5_000 });
  });
});

describe('exec isolation: another uid (the fallback for root workers without namespaces)', () => {
  let ws: string;
  let outside: string;
  let configFile: string;

  beforeEach(requireRoot);
  beforeAll(() => {
    ws = realpathSync(mkdtempSync(join(tmpdir(), 'exoclaw-iso-user-ws-')));
    chownSync(ws, NOBODY, NOBODY); // the exec user must be able to write its workspace
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'exoclaw-iso-user-cfg-')));
    chmodSync(outside, 0o755);
    configFile = join(outside, 'config.json');
    writeFileSync(configFile, JSON.stringify({ providers: { openai: { apiKey: CANARY } } }), { mode: 0o600 });
  });
  afterAll(() => {
    for (const dir of [ws, outside]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("cannot read the worker's environment or its (0600) config file, and cannot signal it", async () => {
    const host = hostSleeper(sleepFor(41));
    const { run, byName } = await runProbes(ws, { isolation: 'user' }, configFile, host.pid ?? -1);
    expect(run.description).toContain(`unprivileged user (uid ${NOBODY})`);
    expect(run.exitCode).toBe(0);
    expect(byName.afterKill).toBe('the worker answered\nExit code: 0');
    expect(byName.killWorker).toMatch(/Operation not permitted/);
    for (const name of ['parentEnviron', 'initEnviron', 'allEnviron', 'printenv', 'configFile'] as const) {
      expect(byName[name], name).not.toContain(CANARY);
    }
    expect(byName.parentEnviron).toMatch(/Permission denied/);
    expect(byName.configFile).toMatch(/Permission denied/);
    expect(sleepers(sleepFor(41))).toEqual([host.pid]);
    // Not covered without namespaces (documented): /proc/<pid>/cmdline is world-readable, so the
    // worker's command line, including the config file's path, stays visible.
    expect(byName.parentCmdline).toContain(configFile);
  });

  it('runs as the unprivileged uid, writes the workspace, and the start-up notice says so', async () => {
    const exec = textTool(createExecTool({ workspace: ws, isolation: { isolation: 'user' } }));
    expect(await exec.execute({ command: 'id -u; echo data > out.txt && cat out.txt' }, ctx)).toBe(`${NOBODY}\ndata\nExit code: 0`);
    expect(execIsolationNotices({ isolation: 'user' }, { workspace: ws })).toEqual([
      { level: 'info', message: `exec isolation: user (uid ${NOBODY}, gid ${NOBODY}; no namespaces)` },
    ]);
    const rootOnly = mkdtempSync(join(tmpdir(), 'exoclaw-iso-rootonly-'));
    const readable = join(outside, 'readable.json');
    writeFileSync(readable, '{}', { mode: 0o644 });
    try {
      const warnings = execIsolationNotices({ isolation: 'user' }, { workspace: rootOnly, configFile: readable }).slice(1);
      expect(warnings.map((n) => n.message)).toEqual([
        expect.stringContaining(`cannot write the workspace ${rootOnly}`),
        expect.stringContaining(`can read the config file ${readable}: chmod 600 it`),
      ]);
    } finally {
      rmSync(rootOnly, { recursive: true, force: true });
    }
  });

  it("kills the call's setsid and double-forked children, and no other process of that uid", async () => {
    const bystander = hostSleeper(sleepFor(51), { uid: NOBODY }); // same uid, not started by exec
    const exec = textTool(createExecTool({ workspace: ws, isolation: { isolation: 'user' } }));
    const [a, b] = [sleepFor(52), sleepFor(53)];
    const result = await exec.execute({ command: `setsid sleep ${a} & (sleep ${b} &); sleep 0.3; echo started` }, ctx);
    expect(result).toBe('started\nExit code: 0');
    await waitUntil('the sleeps to be killed', () => sleepers(a).length + sleepers(b).length === 0, { timeoutMs: 5_000 });
    expect(sleepers(sleepFor(51))).toEqual([bystander.pid]);
  });
});

describe('choosing the isolation', () => {
  const works: BwrapProbe = { ok: true, path: '/usr/bin/bwrap', disableUserns: true };
  const broken: BwrapProbe = { ok: false, reason: 'bwrap is not installed (install bubblewrap)' };
  const never = (): BwrapProbe => {
    throw new Error('the probe must not run for this mode');
  };

  it('auto: bwrap when the probe works, else another uid when root, else refused', () => {
    expect(chooseIsolation({}, () => works, false).kind).toBe('bwrap');
    expect(chooseIsolation({}, () => broken, true)).toEqual({ kind: 'user', uid: NOBODY, gid: NOBODY, fallbackFrom: broken.reason });
    const refused = chooseIsolation({}, () => broken, false);
    expect(refused).toEqual({ kind: 'refused', reason: expect.stringContaining('bwrap is not installed') as unknown });
    expect(refused.kind === 'refused' && refused.reason).toContain('not root');
  });

  it('explicit modes: bwrap never falls back; user needs root and a non-root uid; none is taken as asked', () => {
    expect(chooseIsolation({ isolation: 'bwrap' }, () => broken, true).kind).toBe('refused');
    expect(chooseIsolation({ isolation: 'user' }, never, true).kind).toBe('user');
    expect(chooseIsolation({ isolation: 'user' }, never, false).kind).toBe('refused');
    expect(chooseIsolation({ isolation: 'user', user: { uid: 0 } }, never, true).kind).toBe('refused');
    expect(chooseIsolation({ isolation: 'none' }, never, false)).toEqual({ kind: 'none' });
  });

  it('a worker without isolation refuses exec with a clear error and says so at start-up', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'exoclaw-iso-refused-'));
    try {
      const settings: ExecIsolationSettings = { isolation: 'bwrap', bwrapPath: join(ws, 'no-such-bwrap') };
      const exec = textTool(createExecTool({ workspace: ws, isolation: settings }));
      expect(exec.tool.description).toContain('disabled');
      const result = await exec.execute({ command: 'touch ran.txt' }, ctx);
      expect(result).toMatch(/^Error: exec is disabled on this worker: isolation "bwrap" is configured, but .*no-such-bwrap was not found \(install the bubblewrap package/);
      expect(result).toContain('tools.exec.isolation "none"');
      expect(existsSync(join(ws, 'ran.txt'))).toBe(false);
      const [notice] = execIsolationNotices(settings, { workspace: ws });
      expect(notice?.level).toBe('warn');
      expect(notice?.message).toMatch(/^exec isolation: none available, exec is disabled: /);
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('names the sandbox pod when one is configured', () => {
    expect(execIsolationNotices({}, { workspace: '/w', sandboxUrl: 'http://sandbox:8888' })).toEqual([
      { level: 'info', message: 'exec isolation: sandbox pod via http://sandbox:8888' },
    ]);
  });
});
