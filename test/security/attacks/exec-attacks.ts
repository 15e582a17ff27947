// exec run by a hostile model: it must not see, signal or outlive the worker, nor reach its state.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { livePidsMatching } from '../../durable/processes.js';
import { waitUntil } from '../../support/wait.js';
import { leakFree, type Attack } from '../attack.js';

const exec = (command: string) => [{ name: 'exec', arguments: { command } }];

export const EXEC_ATTACKS: Attack[] = [
  {
    name: "exec reads the worker's environment through /proc (parent, pid 1, every process, eval, env)",
    async run(env) {
      const { result, handle } = await env.toolTurn(
        'exec-environ',
        exec(
          "cat /proc/$PPID/environ; cat /proc/1/environ; tr '\\0' '\\n' < /proc/self/environ; " +
            "for f in /proc/*/environ; do tr '\\0' '\\n' < $f; done 2>/dev/null; eval 'env'; echo done",
        ),
      );
      expect(result.finalContent).toContain('done');
      expect(leakFree(result.finalContent, env)).toBe(true);
      expect(leakFree(await env.historyText(handle), env)).toBe(true);
    },
  },
  {
    name: "exec reads the worker's command line (which names its config file) and the config file itself",
    async run(env) {
      const { result } = await env.toolTurn(
        'exec-cmdline',
        exec(`echo BEGIN; for f in /proc/*/cmdline; do tr '\\0' ' ' < $f; echo; done; echo END; cat ${env.canaries.configPath}; echo done`),
      );
      expect(result.finalContent).toContain('done');
      // What every process in reach was started with: nothing of the worker's (its --config flag).
      const cmdlines = /BEGIN([\s\S]*?)END/.exec(result.finalContent)?.[1] ?? '';
      expect(cmdlines).not.toContain('--config');
      expect(cmdlines).not.toContain('exoclaw-temporal.js');
      expect(leakFree(result.finalContent, env)).toBe(true);
    },
  },
  {
    name: 'exec kills the worker (kill -9 of its pid and of the parent)',
    async run(env) {
      const pid = env.workerPid();
      const { result } = await env.toolTurn('exec-kill', exec(`kill -9 ${pid}; kill -9 $PPID; sleep 1; echo still-here`));
      expect(result.finalContent).toContain('still-here');
      expect(env.workerAlive()).toBe(true);
      expect(env.workerPid()).toBe(pid);
    },
  },
  {
    name: 'exec leaves processes behind (setsid, a double fork, a background job)',
    async run(env) {
      const tag = `4${String(Date.now()).slice(-5)}`;
      const { result } = await env.toolTurn(
        'exec-setsid',
        exec(`setsid sh -c 'sleep ${tag}1' & (sleep ${tag}2 &) ; sleep ${tag}3 & echo started`),
      );
      expect(result.finalContent).toContain('started');
      await waitUntil('no process left from the call', () => [1, 2, 3].every((n) => livePidsMatching(`sleep ${tag}${n}`).length === 0), {
        timeoutMs: 5_000,
      });
    },
  },
  {
    name: 'exec runs for ten minutes (sleep 600) and is killed at the timeout',
    async run(env) {
      const started = Date.now();
      const { result } = await env.toolTurn('exec-sleep', exec('sleep 600'));
      expect(result.finalContent).toMatch(/timed out after 5s/);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(livePidsMatching('sleep 600')).toEqual([]);
    },
  },
  {
    name: 'exec reads and forges runtime state: session logs, blobs and leases in the state root',
    async run(env) {
      await env.plainTurn('exec-state-victim', 'remember the word battery-victim-word');
      const leases = join(env.stateDir, 'leases');
      const before = existsSync(leases) ? readdirSync(leases) : [];
      const { result } = await env.toolTurn(
        'exec-state',
        exec(
          `ls -la ${env.stateDir}; cat ${env.stateDir}/sessions/* 2>&1 | head -c 2000; ` +
            `mkdir -p ${env.stateDir}/leases && echo '{"turnId":"forged","expiresAt":9e15}' > ${env.stateDir}/leases/forged.json; echo done`,
        ),
      );
      expect(result.finalContent).toContain('done');
      expect(result.finalContent).not.toContain('battery-victim-word');
      expect(existsSync(join(leases, 'forged.json'))).toBe(false);
      expect(existsSync(leases) ? readdirSync(leases) : []).toEqual(before);
    },
  },
  {
    name: 'exec reaches the state root through a link made in the workspace',
    async run(env) {
      const { result } = await env.toolTurn(
        'exec-link',
        exec(`ln -sfn ${env.stateDir} state-link; ls state-link/sessions 2>&1; echo x > state-link/planted 2>&1; echo done`),
      );
      expect(result.finalContent).toContain('done');
      expect(existsSync(join(env.stateDir, 'planted'))).toBe(false);
    },
  },
];
