/**
 * Finds the line of a text that best resembles a probe line, so a failed edit can point the model
 * at what it probably meant (usually the same line with different whitespace or a small typo).
 * Similarity is the Dice coefficient over character bigrams: cheap, order-tolerant, good enough.
 */
export interface ClosestLine {
  lineNumber: number;
  line: string;
  score: number;
}

const MAX_LINE_CHARS = 400;

export function closestLine(text: string, probe: string): ClosestLine | undefined {
  const target = probe.trim().slice(0, MAX_LINE_CHARS);
  if (target === '') return undefined;
  const targetBigrams = bigrams(target);
  let best: ClosestLine | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = line.trim().slice(0, MAX_LINE_CHARS);
    if (trimmed === '') continue;
    const score = trimmed === target ? 1 : dice(targetBigrams, bigrams(trimmed));
    if (!best || score > best.score) best = { lineNumber: i + 1, line, score };
    if (score === 1) break;
  }
  return best;
}

function bigrams(s: string): Map<string, number> {
  const map = new Map<string, number>();
  const lower = s.toLowerCase();
  for (let i = 0; i < lower.length - 1; i++) {
    const pair = lower.slice(i, i + 2);
    map.set(pair, (map.get(pair) ?? 0) + 1);
  }
  return map;
}

function dice(a: Map<string, number>, b: Map<string, number>): number {
  let total = 0;
  let overlap = 0;
  for (const count of a.values()) total += count;
  for (const count of b.values()) total += count;
  if (total === 0) return 0;
  for (const [pair, count] of a) overlap += Math.min(count, b.get(pair) ?? 0);
  return (2 * overlap) / total;
}
