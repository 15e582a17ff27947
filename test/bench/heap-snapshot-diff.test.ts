import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { diffHeapSummaries, summarizeHeapSnapshot } from '../../dev/heap/heap-snapshot-diff.js';

class HeapDiffMarker {
  constructor(readonly index: number) {}
}

describe('heap snapshot diff', () => {
  const kept: HeapDiffMarker[] = [];
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('counts the objects of a class created between two snapshots of this process', async () => {
    dir = await mkdtemp(join(tmpdir(), 'heap-diff-'));
    const before = summarizeHeapSnapshot(await readFile(writeHeapSnapshot(join(dir, 'before.heapsnapshot')), 'utf8'));
    for (let i = 0; i < 700; i++) kept.push(new HeapDiffMarker(i));
    const after = summarizeHeapSnapshot(await readFile(writeHeapSnapshot(join(dir, 'after.heapsnapshot')), 'utf8'));

    const row = diffHeapSummaries(before, after).find((entry) => entry.key === 'object:HeapDiffMarker');
    expect(row?.countDelta).toBe(700);
    expect(row?.bytesDelta).toBeGreaterThan(0);
    expect(after.groups.get('object:HeapDiffMarker')?.count).toBe(700);
    expect(kept).toHaveLength(700);
  });

  it('says what is wrong with a file that is not a heap snapshot', () => {
    expect(() => summarizeHeapSnapshot(JSON.stringify({ snapshot: { meta: { node_fields: ['id'], node_types: [[]] } }, nodes: [], strings: [] }))).toThrow(
      /Not a V8 heap snapshot/,
    );
  });
});
