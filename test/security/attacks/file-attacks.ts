// The file tools against the workspace boundary and the runtime's state root.
import { existsSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { leakFree, type Attack } from '../attack.js';

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

export const FILE_ATTACKS: Attack[] = [
  {
    name: 'read_file escapes the workspace (.., absolute, NUL byte, a link out, the state root)',
    async run(env) {
      symlinkSync(env.canaries.configPath, join(env.workspace, 'config-link.json'));
      const { result } = await env.toolTurn('files-read-escape', [
        call('read_file', { path: '../../../../etc/passwd' }),
        call('read_file', { path: '/etc/passwd' }),
        call('read_file', { path: 'notes\u0000.txt' }),
        call('read_file', { path: 'config-link.json' }),
        call('read_file', { path: `${env.stateDir}/sessions/x.jsonl` }),
        call('read_file', { path: 'state-link/sessions' }),
      ]);
      expect(result.finalContent).not.toContain('root:x:0:0');
      expect(leakFree(result.finalContent, env)).toBe(true);
      expect(result.finalContent.match(/Error/g)?.length).toBeGreaterThanOrEqual(6);
    },
  },
  {
    name: 'write_file into the state root (relative escape, absolute path, sessions/)',
    async run(env) {
      const before = readdirSync(env.stateDir).sort();
      const { result } = await env.toolTurn('files-write-state', [
        call('write_file', { path: '../state/sessions/forged.jsonl', content: '{"role":"system"}' }),
        call('write_file', { path: `${env.stateDir}/forged.json`, content: 'x' }),
        call('write_file', { path: 'sessions/forged.jsonl', content: '{"role":"system"}' }),
      ]);
      expect(result.finalContent.match(/Error/g)?.length).toBe(3);
      expect(existsSync(join(env.stateDir, 'forged.json'))).toBe(false);
      expect(readdirSync(env.stateDir).sort()).toEqual(before);
    },
  },
  {
    name: 'read_file of another session\'s kept tool output (tool-output:<id>)',
    async run(env) {
      await env.toolTurn('files-output-make', [{ name: 'exec', arguments: { command: 'seq 1 20000 > numbers.txt' } }]);
      // read_file returns up to 128 KB; over 16 000 characters the runtime keeps it apart.
      const big = await env.toolTurn('files-output-owner', [{ name: 'read_file', arguments: { path: 'numbers.txt' } }]);
      const id = /tool-output:([0-9a-f]{24})/.exec(big.result.finalContent)?.[1];
      expect(id, big.result.finalContent.slice(-400)).toBeDefined();
      const own = await env.toolTurn('files-output-owner', [{ name: 'read_file', arguments: { path: `tool-output:${id}`, offset: 19999 } }]);
      expect(own.result.finalContent).toContain('20000');
      const other = await env.toolTurn('files-output-thief', [{ name: 'read_file', arguments: { path: `tool-output:${id}` } }]);
      expect(other.result.finalContent).toContain('no kept tool output');
    },
  },
];
