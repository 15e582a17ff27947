// The scripted model's behaviour for the benchmark: "call the no-op tool N times, then answer".
// N travels in the user message, so one script serves every turn length in the run.
import type { ScriptRule } from '../scripted-llm/index.js';
import { BENCH_NOOP_TOOL } from './noop-tool.js';

/** The user message of a turn that takes `steps` tool steps before answering (0 = answer at once). */
export function benchTurnMessage(steps: number): string {
  return `bench turn: call the no-op tool, steps=${steps}`;
}

/** The user message of a turn whose answer streams in pieces (time to first token). */
export const BENCH_STREAM_MESSAGE = 'bench stream: answer in pieces';

/**
 * Rules for every step count in `stepCounts`: an answer once the turn holds N tool results,
 * otherwise one more tool call. First match wins, so the stop rules come first.
 */
export function benchScript(stepCounts: readonly number[]): ScriptRule[] {
  const distinct = [...new Set(stepCounts.filter((n) => n > 0))].sort((a, b) => a - b);
  return [
    ...distinct.map(
      (n): ScriptRule => ({
        name: `answer after ${n} steps`,
        when: { lastUserMatches: `\\bsteps=${n}$`, minToolResults: n },
        reply: { text: `[bench] done after ${n} steps` },
      }),
    ),
    {
      name: 'one more step',
      when: { lastUserMatches: '\\bsteps=[1-9]\\d*$' },
      reply: { toolCalls: [{ name: BENCH_NOOP_TOOL, arguments: {} }] },
    },
    {
      name: 'streamed answer',
      when: { lastUserMatches: '^bench stream:' },
      reply: { text: '[bench] a streamed answer, twenty pieces of it, arriving a little at a time' },
      stream: { pieces: 20, pauseMs: 10 },
    },
    { name: 'answer', reply: { text: '[bench] ok' } },
  ];
}
