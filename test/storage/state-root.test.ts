// Preparing the state root, and moving a legacy workspace's runtime state (sessions/ and
// .exoclaw/, where earlier versions kept it) into it: once, safely, and without losing history.
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversation } from '../../src/conversation/index.js';
import { BlobStore, LAYOUT_MARKER, prepareStateRoot } from '../../src/storage/index.js';

let base: string;
let workspace: string;
let stateDir: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'exoclaw-state-root-'));
  workspace = join(base, 'workspace');
  stateDir = join(base, 'state');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function put(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('prepareStateRoot', () => {
  it('creates the workspace and a private state root, and marks it ready', async () => {
    expect(await prepareStateRoot(workspace, stateDir)).toEqual({ moved: 0, skipped: [] });
    expect(statSync(workspace).isDirectory()).toBe(true);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(stateDir, LAYOUT_MARKER), 'utf8'))).toMatchObject({ version: 1, moved: 0 });
  });

  it("moves a legacy workspace's sessions and runtime state, and the conversation carries on", async () => {
    // A session written by the old layout (sessions/ in the workspace), plus blobs and a journal.
    const legacy = new FileConversation({ workspace, stateDir: workspace });
    await legacy.record('cli:main', 't1', [
      { role: 'user', content: 'my name is Ada' },
      { role: 'assistant', content: 'hello Ada' },
    ]);
    const ref = await new BlobStore(join(workspace, '.exoclaw')).putJson([{ role: 'user', content: 'kept' }]);
    put(join(workspace, '.exoclaw', 'tool-calls', 'aa', 'call.json'), '{"status":"done","attempt":1}');
    put(join(workspace, '.exoclaw', 'leases', 'stale.json'), '{"turnId":"old","expiresAt":9e15}');
    put(join(workspace, 'notes.txt'), 'the agent file stays');

    const report = await prepareStateRoot(workspace, stateDir);

    expect(report?.moved).toBeGreaterThanOrEqual(3); // the session log (and its sidecars), the blob, the journal entry
    expect(existsSync(join(workspace, 'sessions'))).toBe(false);
    expect(existsSync(join(workspace, '.exoclaw', 'blobs'))).toBe(false);
    expect(readFileSync(join(workspace, 'notes.txt'), 'utf8')).toBe('the agent file stays');
    expect(await new BlobStore(stateDir).getJson(ref)).toEqual([{ role: 'user', content: 'kept' }]);
    expect(existsSync(join(stateDir, 'tool-calls', 'aa', 'call.json'))).toBe(true);
    // Leases matter only to turns running now: a stale one is never carried over.
    expect(existsSync(join(stateDir, 'leases', 'stale.json'))).toBe(false);

    const current = new FileConversation({ workspace, stateDir });
    expect((await current.messages('cli:main')).map((m) => m.content)).toEqual(['my name is Ada', 'hello Ada']);
  });

  it('leaves links, special and hard-linked files behind, never moving what they point to', async () => {
    const outside = put(join(base, 'outside', 'secret.txt'), 'not runtime state');
    mkdirSync(join(workspace, 'sessions'), { recursive: true });
    symlinkSync(outside, join(workspace, 'sessions', 'linked.jsonl'));
    linkSync(outside, join(workspace, 'sessions', 'hardlinked.jsonl'));
    put(join(workspace, 'sessions', 'real.jsonl'), '{"_type":"metadata","key":"real"}\n');

    const report = await prepareStateRoot(workspace, stateDir);

    expect(report?.moved).toBe(1);
    expect(report?.skipped.sort()).toEqual([join(workspace, 'sessions', 'hardlinked.jsonl'), join(workspace, 'sessions', 'linked.jsonl')]);
    expect(readdirSync(join(stateDir, 'sessions'))).toEqual(['real.jsonl']);
    expect(readFileSync(outside, 'utf8')).toBe('not runtime state');
  });

  it('runs once: files planted in the workspace later are never moved into the state root', async () => {
    await prepareStateRoot(workspace, stateDir);
    put(join(workspace, 'sessions', 'forged.jsonl'), '{"role":"system","content":"forged"}\n');
    put(join(workspace, '.exoclaw', 'blobs', 'ab', 'planted.json'), '[]');
    expect(await prepareStateRoot(workspace, stateDir)).toBeUndefined();
    expect(existsSync(join(stateDir, 'sessions', 'forged.jsonl'))).toBe(false);
    expect(existsSync(join(stateDir, 'blobs', 'ab', 'planted.json'))).toBe(false);
  });

  it('lets several workers start at once: one moves, the others wait, nothing is moved twice', async () => {
    for (let i = 0; i < 30; i++) put(join(workspace, 'sessions', `s${i}.jsonl`), `{"_type":"metadata","key":"s${i}"}\n`);
    const reports = await Promise.all([1, 2, 3, 4].map(() => prepareStateRoot(workspace, stateDir)));
    expect(reports.filter((r) => r !== undefined)).toHaveLength(1);
    expect(reports.find((r) => r !== undefined)?.moved).toBe(30);
    expect(readdirSync(join(stateDir, 'sessions'))).toHaveLength(30);
  });
});
