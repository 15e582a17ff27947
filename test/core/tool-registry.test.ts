import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_HINT, ToolRegistry, type Tool } from '../../src/core/index.js';
import { makeTool } from './helpers/tools.js';

const ctx = { sessionId: 's1' };

/** A tool that keeps the arguments it was called with. */
function recorder(name: string, parameters: Tool['parameters'], extra: Partial<Tool> = {}) {
  const calls: Record<string, unknown>[] = [];
  const tool = makeTool(
    name,
    (args) => {
      calls.push(args);
      return `ran ${name}`;
    },
    { parameters, ...extra },
  );
  return { tool, calls };
}

const countSchema = {
  type: 'object',
  properties: {
    count: { type: 'integer', minimum: 1 },
    verbose: { type: 'boolean' },
    ratio: { type: 'number' },
    label: { type: 'string' },
  },
  required: ['count'],
};

describe('ToolRegistry', () => {
  it('casts string arguments the model sent ("3" -> 3, "true" -> true)', async () => {
    const { tool, calls } = recorder('repeat', countSchema);
    const registry = new ToolRegistry([tool]);
    const outcome = await registry.execute(
      { name: 'repeat', arguments: { count: '3', verbose: 'true', ratio: '0.5', label: 7 } },
      ctx,
    );
    expect(outcome).toEqual({ result: 'ran repeat', isError: false, sentInTurn: false });
    expect(calls).toEqual([{ count: 3, verbose: true, ratio: 0.5, label: '7' }]);
  });

  it('reports a missing required argument readably and does not run the tool', async () => {
    const { tool, calls } = recorder('repeat', countSchema);
    const outcome = await new ToolRegistry([tool]).execute({ name: 'repeat', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.result).toBe(`Error: Invalid parameters for tool 'repeat': missing required count${ERROR_HINT}`);
    expect(calls).toEqual([]);
  });

  it('reports range and type problems readably', async () => {
    const { tool, calls } = recorder('repeat', countSchema);
    const registry = new ToolRegistry([tool]);
    const tooSmall = await registry.execute({ name: 'repeat', arguments: { count: 0 } }, ctx);
    expect(tooSmall.result).toContain('count must be >= 1');
    const notInteger = await registry.execute({ name: 'repeat', arguments: { count: '2.5', verbose: 'maybe' } }, ctx);
    expect(notInteger.result).toContain('count must be an integer');
    expect(notInteger.result).toContain('verbose must be true or false');
    expect(calls).toEqual([]);
  });

  it('validates with a zod schema when the tool has one', async () => {
    const schema = z.object({ count: z.number().int().min(1), label: z.string().default('none') });
    const { tool, calls } = recorder('zcount', z.toJSONSchema(schema) as Tool['parameters'], { schema });
    const registry = new ToolRegistry([tool]);

    const missing = await registry.execute({ name: 'zcount', arguments: {} }, ctx);
    expect(missing.isError).toBe(true);
    expect(missing.result).toContain('missing required count');

    const tooSmall = await registry.execute({ name: 'zcount', arguments: { count: 0 } }, ctx);
    expect(tooSmall.result).toContain('count must be >= 1');

    const ok = await registry.execute({ name: 'zcount', arguments: { count: 2 } }, ctx);
    expect(ok.isError).toBe(false);
    expect(calls).toEqual([{ count: 2, label: 'none' }]); // zod's parsed data (with defaults) reaches the tool
  });

  it('with zod, a wrongly typed argument is not reported as missing', async () => {
    const schema = z.object({ count: z.number() });
    const { tool } = recorder('zcount', z.toJSONSchema(schema) as Tool['parameters'], { schema });
    const outcome = await new ToolRegistry([tool]).execute({ name: 'zcount', arguments: { count: 'lots' } }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.result).not.toContain('missing required');
    expect(outcome.result).toContain('count');
  });

  it('with zod, casts "3" -> 3 and "true" -> true by the schema the model saw', async () => {
    const schema = z.object({ count: z.number().int(), verbose: z.boolean() });
    const { tool, calls } = recorder('zcount', z.toJSONSchema(schema) as Tool['parameters'], { schema });
    const outcome = await new ToolRegistry([tool]).execute(
      { name: 'zcount', arguments: { count: '3', verbose: 'true' } },
      ctx,
    );
    expect(outcome.isError).toBe(false);
    expect(calls).toEqual([{ count: 3, verbose: true }]);
  });

  it('an unknown tool is an error that lists the available tools', async () => {
    const registry = new ToolRegistry([recorder('read_file', {}).tool, recorder('exec', {}).tool]);
    const outcome = await registry.execute({ name: 'write_file', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.result).toBe(`Error: Tool 'write_file' not found. Available tools: read_file, exec${ERROR_HINT}`);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('%s is an unknown tool', async (name) => {
    const registry = new ToolRegistry([recorder('exec', {}).tool]);
    expect(registry.has(name)).toBe(false);
    expect(registry.get(name)).toBeUndefined();
    const outcome = await registry.execute({ name, arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.result).toContain(`Tool '${name}' not found. Available tools: exec`);
  });

  it('malformed argument JSON (argumentsError) becomes an error result and the tool does not run', async () => {
    const { tool, calls } = recorder('exec', {});
    const outcome = await new ToolRegistry([tool]).execute(
      { name: 'exec', arguments: {}, argumentsError: 'Unexpected end of JSON input' },
      ctx,
    );
    expect(outcome.isError).toBe(true);
    expect(outcome.result).toBe(`Error: Invalid arguments for exec: Unexpected end of JSON input${ERROR_HINT}`);
    expect(calls).toEqual([]);
  });

  it('a tool that throws becomes an error result with the hint', async () => {
    const registry = new ToolRegistry([
      makeTool('boom', () => {
        throw new Error('disk on fire');
      }),
    ]);
    const outcome = await registry.execute({ name: 'boom', arguments: {} }, ctx);
    expect(outcome).toEqual({ result: `Error executing boom: disk on fire${ERROR_HINT}`, isError: true, sentInTurn: false });
  });

  it('a result starting with "Error" is flagged as an error and gets the hint', async () => {
    const registry = new ToolRegistry([makeTool('grep', () => 'Error: pattern is empty')]);
    const outcome = await registry.execute({ name: 'grep', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.result).toBe(`Error: pattern is empty${ERROR_HINT}`);
  });

  it('reports sentInTurn set during execute, and resets it for the next call', async () => {
    let send = true;
    const message: Tool = {
      ...makeTool('message', () => ''),
      async execute() {
        if (send) message.sentInTurn = true;
        return 'ok';
      },
    };
    const registry = new ToolRegistry([message]);
    expect((await registry.execute({ name: 'message', arguments: {} }, ctx)).sentInTurn).toBe(true);
    send = false;
    expect((await registry.execute({ name: 'message', arguments: {} }, ctx)).sentInTurn).toBe(false);
  });

  it('definitions can leave tools out', () => {
    const registry = new ToolRegistry([recorder('spawn', {}).tool, recorder('exec', { type: 'object' }).tool]);
    expect(registry.definitions(['spawn'])).toEqual([
      { name: 'exec', description: 'test tool exec', parameters: { type: 'object' } },
    ]);
    expect(registry.names).toEqual(['spawn', 'exec']);
  });

  it('refuses tool names a provider would reject', () => {
    const registry = new ToolRegistry();
    expect(() => registry.register(recorder('has space', {}).tool)).toThrow(/Invalid tool name/);
    expect(() => registry.register(recorder('', {}).tool)).toThrow(/Invalid tool name/);
  });
});
