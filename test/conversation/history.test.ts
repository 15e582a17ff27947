import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/messages.js';
import {
  applyMemoryWindow,
  cleanHistory,
  COMPACTED_NOTE,
  estimateTokens,
  fitTokenBudget,
  repairToolPairs,
} from '../../src/conversation/index.js';
import { chatTurn, toolTurn } from './helpers.js';

const turns = (...groups: Message[][]): Message[] => groups.flat();

describe('history repair', () => {
  it('drops orphan tool results and tool calls without results, and starts at a user message', () => {
    const history: Message[] = [
      { role: 'tool', toolCallId: 'gone', name: 'exec', content: 'result of a call that was cut away' },
      { role: 'assistant', content: 'leftover answer' },
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'x', name: 'exec', arguments: {} }] },
      // no result for x; then a new turn
      { role: 'user', content: 'q2' },
      { role: 'tool', toolCallId: 'x', name: 'exec', content: 'late result, not after its call' },
      { role: 'assistant', content: 'a2' },
    ];
    expect(cleanHistory(history)).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: 'a2' },
    ]);
  });

  it('keeps answered calls of a partly answered message and drops duplicate results', () => {
    const repaired = repairToolPairs([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: 'both',
        toolCalls: [
          { id: 'a', name: 't', arguments: {} },
          { id: 'b', name: 't', arguments: {} },
        ],
      },
      { role: 'tool', toolCallId: 'b', name: 't', content: 'B' },
      { role: 'tool', toolCallId: 'b', name: 't', content: 'B again' },
    ]);
    expect(repaired).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'both', toolCalls: [{ id: 'b', name: 't', arguments: {} }] },
      { role: 'tool', toolCallId: 'b', name: 't', content: 'B' },
    ]);
  });
});

describe('memory window', () => {
  it('keeps the last N messages without starting inside a turn', () => {
    const history = turns(toolTurn('t1'), toolTurn('t2'), toolTurn('t3'));
    // 6 would start at t2's tool result; the window moves forward to t3's user message
    const windowed = applyMemoryWindow(history, 6);
    expect(windowed).toEqual(toolTurn('t3'));
    expect(applyMemoryWindow(history, 8)).toEqual(turns(toolTurn('t2'), toolTurn('t3')));
    expect(applyMemoryWindow(history, 100)).toEqual(history);
  });

  it('keeps the newest turn whole when it alone is longer than the window', () => {
    const long: Message[] = [{ role: 'user', content: 'go' }];
    for (let i = 0; i < 10; i++) {
      long.push({ role: 'assistant', content: null, toolCalls: [{ id: `c${i}`, name: 't', arguments: {} }] });
      long.push({ role: 'tool', toolCallId: `c${i}`, name: 't', content: 'ok' });
    }
    const history = turns(chatTurn('old'), long);
    expect(applyMemoryWindow(history, 5)).toEqual(long);
  });
});

describe('token budget', () => {
  const big = 'x'.repeat(40_000); // ~10k tokens
  const withBigTool = (id: string): Message[] => [
    { role: 'user', content: `q ${id}` },
    { role: 'assistant', content: null, toolCalls: [{ id, name: 'read_file', arguments: { path: id } }] },
    { role: 'tool', toolCallId: id, name: 'read_file', content: `${id}-start ${big} ${id}-end` },
    { role: 'assistant', content: `a ${id}` },
  ];

  it('compacts old tool outputs first, to a head and tail preview', () => {
    const history = turns(withBigTool('t1'), withBigTool('t2'), withBigTool('t3'));
    const total = history.reduce((sum, m) => sum + estimateTokens(m), 0);
    // room for everything except one big output
    const fitted = fitTokenBudget(history, { budget: total - 8_000, fixedTokens: 0 });
    expect(fitted).toHaveLength(history.length); // no turn dropped
    const tool1 = fitted[2]!.content as string;
    expect(tool1.length).toBeLessThan(2_000);
    expect(tool1.startsWith('t1-start')).toBe(true);
    expect(tool1).toContain('t1-end');
    expect(tool1).toContain(COMPACTED_NOTE);
    // only as much as needed: t2's output is untouched, and so is the newest turn
    expect(fitted[6]!.content).toBe(history[6]!.content);
    expect(fitted[10]!.content).toBe(history[10]!.content);
    // the input is not modified
    expect(history[2]!.content).toContain(big);
  });

  it('then drops the oldest turns, but always keeps the newest', () => {
    const history = turns(withBigTool('t1'), chatTurn('t2'), withBigTool('t3'));
    const cost = (messages: Message[]): number => messages.reduce((sum, m) => sum + estimateTokens(m), 0);
    const newest = cost(withBigTool('t3'));
    // compacting t1's output is enough: everything stays, t1 shortened
    const fitted = fitTokenBudget(history, { budget: 500 + newest + cost(chatTurn('t2')) + 800, fixedTokens: 500 });
    expect(fitted).toHaveLength(history.length);
    expect((fitted[2]!.content as string).length).toBeLessThan(2_000);

    // room for t2 and t3 but not even a compacted t1: the oldest turn goes
    const middle = fitTokenBudget(history, { budget: 500 + newest + cost(chatTurn('t2')) + 5, fixedTokens: 500 });
    expect(middle).toEqual([...chatTurn('t2'), ...withBigTool('t3')]);

    // room for the newest turn plus a little: t1 and t2 go, oldest first
    const tight = fitTokenBudget(history, { budget: 500 + newest + 5, fixedTokens: 500 });
    expect(tight).toEqual(withBigTool('t3'));

    const impossible = fitTokenBudget(history, { budget: 10, fixedTokens: 500 });
    expect(impossible).toEqual(withBigTool('t3'));
  });
});
