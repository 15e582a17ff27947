import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversation } from '../../src/conversation/index.js';
import { tempWorkspace, toolTurn } from './helpers.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

/**
 * Parses a session file strictly and checks: a header first, every line JSON, each turn's
 * four messages contiguous and in order, no turn twice. Returns the turn ids in file order.
 */
function checkSessionFile(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const [header, ...records] = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { _type?: string; turnId?: string; role?: string; content?: unknown });
  expect(header?._type).toBe('header');
  const turns: string[] = [];
  for (let i = 0; i < records.length; i += 4) {
    const group = records.slice(i, i + 4);
    const turnId = group[0]!.turnId!;
    expect(group.map((r) => r.turnId)).toEqual([turnId, turnId, turnId, turnId]);
    expect(group.map((r) => r.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(group[0]!.content).toBe(`question ${turnId}`);
    expect(group[3]!.content).toBe(`answer ${turnId}`);
    turns.push(turnId);
  }
  expect(new Set(turns).size).toBe(turns.length);
  return turns;
}

describe('one writer per session', () => {
  it('two instances in one process: interleaved appends and retries lose and duplicate nothing', async () => {
    const a = new FileConversation({ workspace: ws.dir });
    const b = new FileConversation({ workspace: ws.dir });
    const n = 40;
    await Promise.all(
      Array.from({ length: n }, (_, i) => [
        a.record('chat:1', `a-${i}`, toolTurn(`a-${i}`)),
        b.record('chat:1', `b-${i}`, toolTurn(`b-${i}`)),
        // the same turn from the other instance, as a retried activity on another worker would
        b.record('chat:1', `a-${i}`, toolTurn(`a-${i}`)),
      ]).flat(),
    );
    const turns = checkSessionFile(a.sessionPath('chat:1'));
    expect(turns).toHaveLength(2 * n);
    expect(new Set(turns)).toEqual(new Set([...Array(n).keys()].flatMap((i) => [`a-${i}`, `b-${i}`])));
    // each instance appended its own turns in order
    const aOrder = turns.filter((t) => t.startsWith('a-'));
    expect(aOrder).toEqual(aOrder.slice().sort((x, y) => Number(x.slice(2)) - Number(y.slice(2))));
  });

  it('two processes appending to one session produce a parseable, complete file', async () => {
    const script = join(here, 'fixtures', 'append-turns.ts');
    const n = 25;
    const writer = (prefix: string, retry: string) =>
      run(process.execPath, ['--import', 'tsx', script, ws.dir, 'proc:shared', prefix, String(n), retry], {
        cwd: repoRoot,
        timeout: 120_000,
      });
    const results = await Promise.all([writer('p', 'q'), writer('q', 'p')]);
    for (const result of results) expect(result.stdout).toContain('done');

    const path = new FileConversation({ workspace: ws.dir }).sessionPath('proc:shared');
    const turns = checkSessionFile(path);
    expect(turns).toHaveLength(2 * n);
    expect(new Set(turns)).toEqual(new Set([...Array(n).keys()].flatMap((i) => [`p-${i}`, `q-${i}`])));
  }, 180_000);

  it('breaks a lock left behind by a dead process', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, lock: { timeoutMs: 5_000, staleMs: 60_000 } });
    await conversation.record('s', 't0', toolTurn('t0'));
    const lockPath = conversation.sessionPath('s').replace(/\.jsonl$/, '.lock');
    // a pid that cannot exist on this host
    writeFileSync(lockPath, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), token: 'dead', acquiredAt: 'x' }));
    await conversation.record('s', 't1', toolTurn('t1'));
    expect(checkSessionFile(conversation.sessionPath('s'))).toEqual(['t0', 't1']);
  });

  it('waits for a live lock and reports a timeout clearly', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, lock: { timeoutMs: 300, staleMs: 60_000 } });
    const lockPath = conversation.sessionPath('s').replace(/\.jsonl$/, '.lock');
    await conversation.record('s', 't0', toolTurn('t0'));
    // held by this (live) process on another host: only age could make it stale
    writeFileSync(lockPath, JSON.stringify({ pid: process.pid, host: 'other-host', token: 'live', acquiredAt: 'now' }));
    await expect(conversation.record('s', 't1', toolTurn('t1'))).rejects.toMatchObject({
      name: 'SessionLockTimeoutError',
      message: expect.stringMatching(/waiting for the lock .*held by pid \d+ on other-host/),
    });
    // once it has not been refreshed for staleMs it is taken over
    const impatient = new FileConversation({ workspace: ws.dir, lock: { timeoutMs: 5_000, staleMs: 200 } });
    await new Promise((r) => setTimeout(r, 300));
    await impatient.record('s', 't1', toolTurn('t1'));
    expect(checkSessionFile(conversation.sessionPath('s'))).toEqual(['t0', 't1']);
  });
});
