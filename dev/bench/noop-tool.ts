import { z } from 'zod';
import { toolOutput } from '../../src/core/index.js';
import { defineTool } from '../../src/tools/define-tool.js';

export const BENCH_NOOP_TOOL = 'bench_noop';

/**
 * A tool that does nothing, so a benchmark step measures the runtime around a tool call and
 * not the tool. Registered only by the benchmark, never by a real agent.
 */
export const benchNoopTool = defineTool({
  name: BENCH_NOOP_TOOL,
  description: 'Benchmark helper: does nothing and returns "ok".',
  args: z.object({}),
  // As bounded as the file tools: the 10-step turn measures steps of bounded tools.
  bounded: true,
  execute: () => Promise.resolve(toolOutput('ok')),
});
