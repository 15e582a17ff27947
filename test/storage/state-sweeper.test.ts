// The state sweeper on real files in a temp state root: what goes, what stays, and that it
// never reaches outside the state root, not even through a folder swapped for a link.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BlobStore,
  capToolOutput,
  MIN_STATE_RETENTION_MS,
  RetentionTooShortError,
  SessionLeases,
  sweepState,
  ToolCallJournal,
} from '../../src/storage/index.js';

const DAY = 86_400_000;
let workspace: string;

beforeEach(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'exoclaw-sweep-'));
});
afterEach(async () => {
  await rm(workspace, { recursive: true, force: true });
});

async function age(path: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  await utimes(path, when, when);
}

async function put(relative: string, text: string, ageMs: number): Promise<string> {
  const path = join(workspace, relative);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  await age(path, ageMs);
  return path;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

describe('sweepState', () => {
  it('deletes old runtime files, keeps fresh ones, and removes the folders it emptied', async () => {
    const blobs = new BlobStore(workspace);
    const oldRef = await blobs.putJson({ old: true });
    const freshRef = await blobs.putJson({ fresh: true });
    await age(blobs.pathOf(oldRef), 10 * DAY);
    const journal = new ToolCallJournal(workspace);
    await journal.write('turn-old', 'call-1', { status: 'done', attempt: 1 });
    const oldJournalDir = (await readdir(join(workspace, 'tool-calls')))[0]!;
    const oldJournalFile = join(workspace, 'tool-calls', oldJournalDir, (await readdir(join(workspace, 'tool-calls', oldJournalDir)))[0]!);
    await age(oldJournalFile, 10 * DAY);
    await journal.write('turn-new', 'call-1', { status: 'started', attempt: 1 });
    await capToolOutput(workspace, { sessionId: 's', turnId: 't', callId: 'c' }, 'x'.repeat(50), 10);
    const [sessionDir] = await readdir(join(workspace, 'tool-outputs'));
    const [outputName] = await readdir(join(workspace, 'tool-outputs', sessionDir!));
    await age(join(workspace, 'tool-outputs', sessionDir!, outputName!), 8 * DAY);
    const oldPayload = await put('payloads/ab/old.bin', 'payload', 9 * DAY);

    const result = await sweepState(workspace, { olderThanMs: 7 * DAY, includePayloads: true });

    expect(await exists(blobs.pathOf(oldRef))).toBe(false);
    expect(await exists(dirname(blobs.pathOf(oldRef)))).toBe(dirname(blobs.pathOf(oldRef)) === dirname(blobs.pathOf(freshRef)));
    expect(await blobs.getJson(freshRef)).toEqual({ fresh: true });
    expect(await exists(join(workspace, 'tool-calls', oldJournalDir))).toBe(false);
    expect(await journal.read('turn-new', 'call-1')).toEqual({ status: 'started', attempt: 1 });
    expect(await readdir(join(workspace, 'tool-outputs'))).toEqual([]);
    expect(await exists(oldPayload)).toBe(false);
    expect(await exists(join(workspace, 'payloads'))).toBe(true); // kind roots stay

    expect(result.removedFiles).toBe(4);
    expect(result.keptFiles).toBe(2);
    expect(result.byKind['blobs']).toMatchObject({ removed: 1, kept: 1 });
    expect(result.byKind['tool-calls']).toMatchObject({ removed: 1, kept: 1 });
    expect(result.byKind['tool-outputs']).toMatchObject({ removed: 1, kept: 0 });
    expect(result.byKind['payloads']).toMatchObject({ removed: 1, bytes: 'payload'.length });
    expect(result.removedBytes).toBeGreaterThan('payload'.length);
    expect(result.removedDirs).toBeGreaterThanOrEqual(2); // the old turn's journal folder and payloads/ab
  });

  it('a dry run reports the same and deletes nothing', async () => {
    const files = [
      await put('blobs/aa/one.json', '"1"', 10 * DAY),
      await put('tool-outputs/two.txt', 'two', 10 * DAY),
      await put('blobs/bb/fresh.json', '"3"', DAY),
    ];
    const dry = await sweepState(workspace, { olderThanMs: 7 * DAY, dryRun: true });
    for (const file of files) expect(await exists(file)).toBe(true);
    expect(dry).toMatchObject({ dryRun: true, removedFiles: 2, keptFiles: 1, removedBytes: 6, removedDirs: 1 });

    const real = await sweepState(workspace, { olderThanMs: 7 * DAY });
    expect(real).toMatchObject({ dryRun: false, removedFiles: 2, keptFiles: 1, removedBytes: 6, removedDirs: 1 });
    expect(await exists(files[0]!)).toBe(false);
    expect(await exists(files[2]!)).toBe(true);
  });

  it('never touches sessions/ or any other folder or file of the state root', async () => {
    const untouchable = [
      await put('sessions/s1.jsonl', '{}\n', 100 * DAY),
      await put('locks/consolidation.lock', 'lock', 100 * DAY),
      await put('other/keep.json', 'unknown kind', 100 * DAY),
      await put('readme.txt', 'loose file', 100 * DAY),
    ];
    await mkdir(join(workspace, 'empty-other-folder'));
    await mkdir(join(workspace, 'blobs'), { recursive: true });

    const result = await sweepState(workspace, { olderThanMs: MIN_STATE_RETENTION_MS });

    for (const file of untouchable) expect(await exists(file)).toBe(true);
    expect(await exists(join(workspace, 'empty-other-folder'))).toBe(true);
    expect(result.removedFiles).toBe(0);
    expect(Object.keys(result.byKind)).toEqual(['blobs']);
  });

  it('keeps lease files of unexpired leases and removes expired ones', async () => {
    const leases = new SessionLeases(workspace, 365 * DAY);
    await leases.acquire('held', 'turn-1');
    const expired = new SessionLeases(workspace, 1);
    await expired.acquire('gone', 'turn-2', Date.now() - 30 * DAY);
    const leaseDir = join(workspace, 'leases');
    for (const name of await readdir(leaseDir)) await age(join(leaseDir, name), 10 * DAY);

    const result = await sweepState(workspace, { olderThanMs: 7 * DAY });

    expect(result.byKind['leases']).toMatchObject({ removed: 1, kept: 1 });
    expect(await leases.holder('held')).toMatchObject({ turnId: 'turn-1' });
    expect(await expired.holder('gone')).toBeUndefined();
    expect((await readdir(leaseDir)).filter((n) => n.endsWith('.guard'))).toEqual([]);
  });

  it('leaves payloads/ alone unless asked: replaying a workflow reads them again', async () => {
    const payload = await put('payloads/ab/claim.bin', 'big', 100 * DAY);
    const result = await sweepState(workspace, { olderThanMs: 7 * DAY });
    expect(await exists(payload)).toBe(true);
    expect(result.byKind['payloads']).toBeUndefined();
  });

  it('refuses a retention under 48 h unless forced', async () => {
    const file = await put('blobs/aa/recent.json', '"r"', 2 * 3_600_000);
    await expect(sweepState(workspace, { olderThanMs: 3_600_000 })).rejects.toBeInstanceOf(RetentionTooShortError);
    await expect(sweepState(workspace, { olderThanMs: 3_600_000 })).rejects.toThrow(/48 h minimum/);
    expect(await exists(file)).toBe(true);

    const forced = await sweepState(workspace, { olderThanMs: 3_600_000, force: true });
    expect(forced.removedFiles).toBe(1);
    expect(await exists(file)).toBe(false);
  });

  it('uses the given clock for the cutoff', async () => {
    const file = await put('tool-outputs/a.txt', 'a', DAY);
    const later = await sweepState(workspace, { olderThanMs: 7 * DAY, now: Date.now() + 7 * DAY, dryRun: true });
    expect(later.removedFiles).toBe(1);
    expect(await exists(file)).toBe(true);
  });
});

describe('sweepState and links', () => {
  it('never follows a kind folder that is a link', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'exoclaw-sweep-outside-'));
    try {
      const victim = join(outside, 'victim.json');
      await writeFile(victim, 'not state');
      await age(victim, 100 * DAY);
      await symlink(outside, join(workspace, 'blobs'));
      const result = await sweepState(workspace, { olderThanMs: 7 * DAY });
      expect(await exists(victim)).toBe(true);
      expect(result.removedFiles).toBe(0);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('deletes nothing outside the state root while its folders are swapped for links mid-sweep', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'exoclaw-sweep-outside-'));
    const folders = Array.from({ length: 60 }, (_, i) => `turn${String(i).padStart(3, '0')}`);
    try {
      // Old journal entries under many turn folders, and old files of the same names outside.
      const names = Array.from({ length: 8 }, (_, i) => `call${i}.json`);
      for (const folder of folders) {
        for (const name of names) await put(`tool-calls/${folder}/${name}`, '{}', 30 * DAY);
      }
      for (const name of names) {
        await writeFile(join(outside, name), 'outside the state root');
        await age(join(outside, name), 100 * DAY);
      }

      // Swap folders for links to the outside while the sweep walks them, and back again.
      let sweeping = true;
      const swapper = (async () => {
        for (let round = 0; sweeping && round < 10_000; round++) {
          const folder = join(workspace, 'tool-calls', folders[round % folders.length]!);
          const aside = `${folder}.aside`;
          if (await rename(folder, aside).then(() => true, () => false)) {
            await symlink(outside, folder).catch(() => undefined);
            await new Promise((resolve) => setImmediate(resolve));
            await rm(folder, { force: true }).catch(() => undefined);
            await rename(aside, folder).catch(() => undefined);
          } else {
            await new Promise((resolve) => setImmediate(resolve));
          }
        }
      })();
      await sweepState(workspace, { olderThanMs: 7 * DAY });
      sweeping = false;
      await swapper;

      // (The old sweeper, which followed paths, lost some of these in every trial.)
      expect((await readdir(outside)).sort()).toEqual(names);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe('BlobStore.putJson', () => {
  it('touches an existing blob so its mtime says when it was last used', async () => {
    const blobs = new BlobStore(workspace);
    const ref = await blobs.putJson({ reused: [1, 2, 3] });
    await age(blobs.pathOf(ref), 30 * DAY);
    expect((await stat(blobs.pathOf(ref))).mtimeMs).toBeLessThan(Date.now() - 29 * DAY);

    expect(await blobs.putJson({ reused: [1, 2, 3] })).toBe(ref);
    expect((await stat(blobs.pathOf(ref))).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(await readFile(blobs.pathOf(ref), 'utf8')).toBe(JSON.stringify({ reused: [1, 2, 3] }));

    const result = await sweepState(workspace, { olderThanMs: 7 * DAY });
    expect(result.removedFiles).toBe(0);
    expect(await blobs.getJson(ref)).toEqual({ reused: [1, 2, 3] });
  });

  it('writes the blob again when it was swept', async () => {
    const blobs = new BlobStore(workspace);
    const ref = await blobs.putJson('again');
    await age(blobs.pathOf(ref), 30 * DAY);
    await sweepState(workspace, { olderThanMs: 7 * DAY });
    expect(await exists(blobs.pathOf(ref))).toBe(false);
    expect(await blobs.putJson('again')).toBe(ref);
    expect(await blobs.getJson(ref)).toBe('again');
  });
});
