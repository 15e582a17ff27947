import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../src/channels/split-message.js';

describe('splitMessage', () => {
  it('keeps a short text whole', () => {
    expect(splitMessage('hello', 100)).toEqual(['hello']);
  });

  it('cuts at paragraph and line breaks, every part within the limit, nothing lost', () => {
    const text = Array.from({ length: 30 }, (_, i) => `Line ${i} of the answer, with some words.`).join('\n');
    const parts = splitMessage(text, 200);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 200)).toBe(true);
    expect(parts.join('\n')).toBe(text);
  });

  it('closes a code block at a cut and reopens it, with its language, in the next part', () => {
    const code = Array.from({ length: 40 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const parts = splitMessage(text, 300);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(300);
      // Every part has balanced fences: it renders on its own.
      expect((part.match(/^```/gm) ?? []).length % 2).toBe(0);
    }
    expect(parts[1]!.startsWith('```ts\n')).toBe(true);
    const lines = parts.join('\n').split('\n').filter((l) => l.startsWith('const '));
    expect(lines).toEqual(code.split('\n'));
    expect(parts.at(-1)).toContain('That is all.');
  });

  it('cuts a line with no spaces anywhere', () => {
    const parts = splitMessage('x'.repeat(1000), 128);
    expect(parts.every((p) => p.length <= 128)).toBe(true);
    expect(parts.join('')).toBe('x'.repeat(1000));
  });
});
