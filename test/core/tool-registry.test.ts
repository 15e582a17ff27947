import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_HINT, toolError, toolOutput, ToolRegistry, type Tool } from '../../src/core/index.js';
import { defineTool } from '../../src/tools/define-tool.js';
import { makeTool } from './helpers/tools.js';

const ctx = { sessionId: 's1' };

/** A tool that keeps the arguments it was called with. */
function recorder(name: string, parameters: Tool['parameters']) {
  const calls: Record<string, unknown>[] = [];
  const tool = makeTool(
    name,
    (args) => {
      calls.push(args);
      return `ran ${name}`;
    },
    { parameters },
  );
  return { tool, calls };
}

/** The same, as a typed tool from a zod schema. */
function zodRecorder<S extends z.ZodType>(name: string, args: S) {
  const calls: unknown[] = [];
  const tool = defineTool({
    name,
    description: `test tool ${name}`,
    args,
    async execute(parsed) {
      calls.push(parsed);
      return toolOutput(`ran ${name}`);
    },
  });
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
    expect(outcome).toEqual({ output: 'ran repeat', isError: false });
    expect(calls).toEqual([{ count: 3, verbose: true, ratio: 0.5, label: '7' }]);
  });

  it('reports a missing required argument readably and does not run the tool', async () => {
    const { tool, calls } = recorder('repeat', countSchema);
    const outcome = await new ToolRegistry([tool]).execute({ name: 'repeat', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toBe(`Error: Invalid parameters for tool 'repeat': missing required count${ERROR_HINT}`);
    expect(calls).toEqual([]);
  });

  it('reports range and type problems readably', async () => {
    const { tool, calls } = recorder('repeat', countSchema);
    const registry = new ToolRegistry([tool]);
    const tooSmall = await registry.execute({ name: 'repeat', arguments: { count: 0 } }, ctx);
    expect(tooSmall.output).toContain('count must be >= 1');
    const notInteger = await registry.execute({ name: 'repeat', arguments: { count: '2.5', verbose: 'maybe' } }, ctx);
    expect(notInteger.output).toContain('count must be an integer');
    expect(notInteger.output).toContain('verbose must be true or false');
    expect(calls).toEqual([]);
  });

  it('validates with a zod schema when the tool has one', async () => {
    const schema = z.object({ count: z.number().int().min(1), label: z.string().default('none') });
    const { tool, calls } = zodRecorder('zcount', schema);
    const registry = new ToolRegistry([tool]);

    const missing = await registry.execute({ name: 'zcount', arguments: {} }, ctx);
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain('missing required count');

    const tooSmall = await registry.execute({ name: 'zcount', arguments: { count: 0 } }, ctx);
    expect(tooSmall.output).toContain('count must be >= 1');

    const ok = await registry.execute({ name: 'zcount', arguments: { count: 2 } }, ctx);
    expect(ok.isError).toBe(false);
    expect(calls).toEqual([{ count: 2, label: 'none' }]); // zod's parsed data (with defaults) reaches the tool
  });

  it('with zod, a wrongly typed argument is not reported as missing', async () => {
    const schema = z.object({ count: z.number() });
    const { tool } = zodRecorder('zcount', schema);
    const outcome = await new ToolRegistry([tool]).execute({ name: 'zcount', arguments: { count: 'lots' } }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).not.toContain('missing required');
    expect(outcome.output).toContain('count');
  });

  it('with zod, casts "3" -> 3 and "true" -> true by the schema the model saw', async () => {
    const schema = z.object({ count: z.number().int(), verbose: z.boolean() });
    const { tool, calls } = zodRecorder('zcount', schema);
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
    expect(outcome.output).toBe(`Error: Tool 'write_file' not found. Available tools: read_file, exec${ERROR_HINT}`);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('%s is an unknown tool', async (name) => {
    const registry = new ToolRegistry([recorder('exec', {}).tool]);
    expect(registry.has(name)).toBe(false);
    expect(registry.get(name)).toBeUndefined();
    const outcome = await registry.execute({ name, arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toContain(`Tool '${name}' not found. Available tools: exec`);
  });

  it('malformed argument JSON (argumentsError) becomes an error result and the tool does not run', async () => {
    const { tool, calls } = recorder('exec', {});
    const outcome = await new ToolRegistry([tool]).execute(
      { name: 'exec', arguments: {}, argumentsError: 'Unexpected end of JSON input' },
      ctx,
    );
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toBe(`Error: Invalid arguments for exec: Unexpected end of JSON input${ERROR_HINT}`);
    expect(calls).toEqual([]);
  });

  it('a tool that throws becomes an error result with the hint', async () => {
    const registry = new ToolRegistry([
      makeTool('boom', () => {
        throw new Error('disk on fire');
      }),
    ]);
    const outcome = await registry.execute({ name: 'boom', arguments: {} }, ctx);
    expect(outcome).toEqual({ output: `Error executing boom: disk on fire${ERROR_HINT}`, isError: true });
  });

  it('an error result is flagged by the tool itself and gets the hint', async () => {
    const registry = new ToolRegistry([makeTool('grep', () => toolError('Error: pattern is empty'))]);
    const outcome = await registry.execute({ name: 'grep', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toBe(`Error: pattern is empty${ERROR_HINT}`);
  });

  it('output that merely starts with "Error" is not an error: only the tool says so', async () => {
    const registry = new ToolRegistry([makeTool('cat', () => 'Error log, line 1')]);
    const outcome = await registry.execute({ name: 'cat', arguments: {} }, ctx);
    expect(outcome).toEqual({ output: 'Error log, line 1', isError: false });
  });

  it('reports replied per call: concurrent calls never see each other\'s flag', async () => {
    const message = makeTool('message', async (args) => toolOutput('ok', { replied: args.here === true }), {
      parameters: { type: 'object', properties: { here: { type: 'boolean' } } },
    });
    const registry = new ToolRegistry([message]);
    const [here, elsewhere] = await Promise.all([
      registry.execute({ name: 'message', arguments: { here: true } }, ctx),
      registry.execute({ name: 'message', arguments: { here: false } }, { sessionId: 's2' }),
    ]);
    expect(here.replied).toBe(true);
    expect(elsewhere.replied).toBeUndefined();
  });

  it('validates MCP-style JSON Schemas fully (anyOf, pattern, $ref) before the tool runs', async () => {
    const { tool, calls } = recorder('lookup', {
      type: 'object',
      $defs: { id: { type: 'string', pattern: '^[a-z]+-[0-9]+$' } },
      properties: { id: { $ref: '#/$defs/id' }, by: { anyOf: [{ type: 'string', enum: ['name', 'id'] }, { type: 'integer' }] } },
      required: ['id'],
    });
    const registry = new ToolRegistry([tool]);
    const badPattern = await registry.execute({ name: 'lookup', arguments: { id: 'Nope' } }, ctx);
    expect(badPattern.isError).toBe(true);
    expect(badPattern.output).toContain('id must match pattern');
    const badAnyOf = await registry.execute({ name: 'lookup', arguments: { id: 'ab-1', by: 'colour' } }, ctx);
    expect(badAnyOf.isError).toBe(true);
    expect(calls).toEqual([]);
    const ok = await registry.execute({ name: 'lookup', arguments: { id: 'ab-1', by: 'name' } }, ctx);
    expect(ok.isError).toBe(false);
    expect(calls).toEqual([{ id: 'ab-1', by: 'name' }]);
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
