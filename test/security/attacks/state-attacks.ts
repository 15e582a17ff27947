// Runtime state under attack from a co-tenant of the volume: planted blobs, forged leases in the
// old place, lease guards that are files, and `gc` while folders are swapped for links.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { BlobCorruptedError, BlobStore, SessionLeases, sweepState } from '../../../src/storage/index.js';
import { runCli, cliEnv } from '../../cli/cli-process.js';
import type { Attack } from '../attack.js';

const DAY = 86_400_000;

export const STATE_ATTACKS: Attack[] = [
  {
    name: 'a blob planted under a predictable name is refused, and a write puts the real one back',
    async run(env) {
      const blobs = new BlobStore(env.stateDir);
      const genuine = [{ role: 'system', content: 'the real message' }];
      const ref = createHash('sha256').update(JSON.stringify(genuine)).digest('hex');
      mkdirSync(dirname(blobs.pathOf(ref)), { recursive: true });
      writeFileSync(blobs.pathOf(ref), JSON.stringify([{ role: 'system', content: 'forged instructions' }]));
      await expect(blobs.getJson(ref)).rejects.toBeInstanceOf(BlobCorruptedError);
      expect(await blobs.putJson(genuine)).toBe(ref);
      expect(await blobs.getJson(ref)).toEqual(genuine);
    },
  },
  {
    name: 'a forged lease left where old versions kept them (<workspace>/.exoclaw/leases) locks no session',
    async run(env) {
      const sessionId = 'battery-lease-victim';
      const hash = createHash('sha256').update(sessionId).digest('hex').slice(0, 32);
      const planted = join(env.workspace, '.exoclaw', 'leases', `${hash}.json`);
      mkdirSync(dirname(planted), { recursive: true });
      writeFileSync(planted, JSON.stringify({ sessionId, turnId: 'forged', expiresAt: Date.now() + 365 * DAY }));
      const { result } = await env.plainTurn('lease-victim', 'hello despite the forged lease', { sessionId });
      expect(result.finalContent).toContain('hello despite the forged lease');
      rmSync(join(env.workspace, '.exoclaw'), { recursive: true, force: true });
    },
  },
  {
    name: 'a regular file where a lease guard folder belongs: the lease is taken, no endless spin',
    async run(env) {
      const leases = new SessionLeases(env.stateDir);
      const hash = createHash('sha256').update('battery-guard').digest('hex').slice(0, 32);
      mkdirSync(join(env.stateDir, 'leases'), { recursive: true });
      writeFileSync(join(env.stateDir, 'leases', `${hash}.json.guard`), 'not a folder');
      const started = Date.now();
      expect(await leases.acquire('battery-guard', 'turn-1')).toEqual({ acquired: true });
      expect(Date.now() - started).toBeLessThan(5_000);
      await leases.release('battery-guard', 'turn-1');
    },
  },
  {
    name: 'gc while folders of the state root are swapped for links to outside files: nothing outside is deleted',
    async run() {
      const root = mkdtempSync(join(tmpdir(), 'exoclaw-battery-gc-'));
      const outside = mkdtempSync(join(tmpdir(), 'exoclaw-battery-victim-'));
      try {
        const names = Array.from({ length: 8 }, (_, i) => `call${i}.json`);
        const old = new Date(Date.now() - 30 * DAY);
        const folders = Array.from({ length: 40 }, (_, i) => join(root, 'tool-calls', `turn${i}`));
        for (const folder of folders) {
          mkdirSync(folder, { recursive: true });
          for (const name of names) {
            writeFileSync(join(folder, name), '{}');
            utimesSync(join(folder, name), old, old);
          }
        }
        for (const name of names) {
          writeFileSync(join(outside, name), 'not runtime state');
          utimesSync(join(outside, name), old, old);
        }
        let sweeping = true;
        const swapper = (async () => {
          for (let round = 0; sweeping && round < 10_000; round++) {
            const folder = folders[round % folders.length]!;
            if (await rename(folder, `${folder}.aside`).then(() => true, () => false)) {
              await symlink(outside, folder).catch(() => undefined);
              await new Promise((resolve) => setImmediate(resolve));
              await rm(folder, { force: true }).catch(() => undefined);
              await rename(`${folder}.aside`, folder).catch(() => undefined);
            } else {
              await new Promise((resolve) => setImmediate(resolve));
            }
          }
        })();
        await sweepState(root, { olderThanMs: 7 * DAY });
        sweeping = false;
        await swapper;
        expect(readdirSync(outside).sort()).toEqual(names);
      } finally {
        rmSync(root, { recursive: true, force: true });
        rmSync(outside, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'the gc command with a kind folder that is a link out of the state root',
    async run(env) {
      const home = mkdtempSync(join(tmpdir(), 'exoclaw-battery-gc-cli-'));
      try {
        const stateDir = join(home, 'state');
        const outside = join(home, 'outside');
        mkdirSync(stateDir);
        mkdirSync(outside);
        writeFileSync(join(outside, 'victim.json'), 'keep me');
        const old = new Date(Date.now() - 30 * DAY);
        utimesSync(join(outside, 'victim.json'), old, old);
        symlinkSync(outside, join(stateDir, 'blobs'));
        const run = await runCli(['gc', '--state-dir', stateDir, '--older-than', '7d'], cliEnv(home));
        expect(run.code, run.stderr).toBe(0);
        expect(readdirSync(outside)).toEqual(['victim.json']);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
      expect(env.workerAlive()).toBe(true);
    },
  },
];
