// What grew between two V8 heap snapshots (.heapsnapshot JSON, as v8.writeHeapSnapshot or
// DevTools write them): objects summed by type and constructor name, count and self size.
import { readFileSync } from 'node:fs';

export interface HeapGroup {
  count: number;
  selfBytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  /** `<node type>:<constructor or name>`, e.g. `object:Map`, `closure:get`, `code:(code)`. */
  groups: Map<string, HeapGroup>;
}

export interface HeapGroupDiff {
  key: string;
  countDelta: number;
  bytesDelta: number;
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Strings and compiled code carry their content as the name: lumped together, not one group each. */
const LUMPED: Record<string, string> = {
  string: '(string)',
  'concatenated string': '(string)',
  'sliced string': '(string)',
  code: '(code)',
};

export function summarizeHeapSnapshot(json: string): HeapSummary {
  const snap = JSON.parse(json) as SnapshotJson;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0) throw new Error('Not a V8 heap snapshot: node_fields lacks type, name or self_size.');
  const groups = new Map<string, HeapGroup>();
  let totalBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const name = LUMPED[type] ?? (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '').slice(0, 80);
    const size = snap.nodes[i + sizeAt] ?? 0;
    const key = `${type}:${name}`;
    const group = groups.get(key) ?? { count: 0, selfBytes: 0 };
    group.count += 1;
    group.selfBytes += size;
    groups.set(key, group);
    totalBytes += size;
  }
  return { totalBytes, groups };
}

/** Groups of `after` against `before`, the largest growth in bytes first. */
export function diffHeapSummaries(before: HeapSummary, after: HeapSummary): HeapGroupDiff[] {
  const keys = new Set([...before.groups.keys(), ...after.groups.keys()]);
  return [...keys]
    .map((key) => {
      const a = before.groups.get(key) ?? { count: 0, selfBytes: 0 };
      const b = after.groups.get(key) ?? { count: 0, selfBytes: 0 };
      return { key, countDelta: b.count - a.count, bytesDelta: b.selfBytes - a.selfBytes };
    })
    .sort((x, y) => y.bytesDelta - x.bytesDelta);
}

export function readHeapSummary(path: string): HeapSummary {
  return summarizeHeapSnapshot(readFileSync(path, 'utf8'));
}
