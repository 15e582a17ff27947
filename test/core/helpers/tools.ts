import type { JsonSchema, Tool, ToolContext } from '../../../src/core/index.js';

/** A minimal Tool for tests; extra optional hooks can be passed through `extra`. */
export function makeTool(
  name: string,
  execute: (args: Record<string, unknown>, ctx: ToolContext) => Promise<string> | string,
  opts: { parameters?: JsonSchema; description?: string } & Partial<Tool> = {},
): Tool {
  const { parameters, description, ...extra } = opts;
  return {
    name,
    description: description ?? `test tool ${name}`,
    parameters: parameters ?? { type: 'object', properties: {} },
    async execute(args, ctx) {
      return execute(args, ctx);
    },
    ...extra,
  };
}

/** A promise plus its resolve function, for making two async things wait on each other. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `signal` to abort, then rejects like an abortable I/O call would. */
export function untilAborted(signal: ToolContext['signal']): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (!signal) return;
    const fail = (): void => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
