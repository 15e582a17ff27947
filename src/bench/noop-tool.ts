import type { Tool } from '../core/index.js';

export const BENCH_NOOP_TOOL = 'bench_noop';

/**
 * A tool that does nothing, so a benchmark step measures the runtime around a tool call and
 * not the tool. Registered only by the benchmark, never by a real agent.
 */
export const benchNoopTool: Tool = {
  name: BENCH_NOOP_TOOL,
  description: 'Benchmark helper: does nothing and returns "ok".',
  parameters: { type: 'object', properties: {} },
  execute: () => Promise.resolve('ok'),
};
