import { describe, expect, it } from 'vitest';
import { parseToolArguments, toolCallFrom } from '../../src/providers/tool-call-arguments.js';

describe('parseToolArguments', () => {
  it('passes valid JSON and objects through untouched', () => {
    expect(parseToolArguments('{"command": "ls -la", "timeout": 30}')).toEqual({
      arguments: { command: 'ls -la', timeout: 30 },
      repaired: false,
    });
    expect(parseToolArguments({ path: 'a.txt' })).toEqual({ arguments: { path: 'a.txt' }, repaired: false });
  });

  it('treats empty, whitespace, null and JSON null as no arguments', () => {
    for (const raw of ['', '   ', null, undefined, 'null']) {
      const parsed = parseToolArguments(raw);
      expect(parsed.arguments).toEqual({});
      expect(parsed.error).toBeUndefined();
    }
  });

  it.each([
    ['trailing commas', '{"a": 1, "b": [1, 2,],}', { a: 1, b: [1, 2] }],
    ['single quotes', "{'path': 'notes.txt', 'content': 'it\\'s \"fine\"'}", { path: 'notes.txt', content: 'it\'s "fine"' }],
    ['unquoted keys', '{command: "echo hi", timeout: 5}', { command: 'echo hi', timeout: 5 }],
    ['python literals', "{'recursive': True, 'force': False, 'depth': None}", { recursive: true, force: false, depth: null }],
    ['a json code fence', '```json\n{"path": "a.txt"}\n```', { path: 'a.txt' }],
    ['a bare code fence', '```\n{"path": "a.txt"}\n```', { path: 'a.txt' }],
    ['missing closing braces', '{"path": "a.txt", "options": {"mode": "w"', { path: 'a.txt', options: { mode: 'w' } }],
    ['missing closing bracket and brace', '{"items": [1, 2, 3', { items: [1, 2, 3] }],
    ['raw newlines inside strings', '{"content": "line one\nline two\ttabbed"}', { content: 'line one\nline two\ttabbed' }],
    ['prose around the object', 'Sure! Here are the arguments: {"path": "x"} hope that helps', { path: 'x' }],
    ['double-encoded JSON', JSON.stringify(JSON.stringify({ path: 'x' })), { path: 'x' }],
    ['comments', '{\n  // the file\n  "path": "x" /* done */\n}', { path: 'x' }],
    ['negative and exponent numbers', "{'a': -1.5e3, 'b': 2}", { a: -1500, b: 2 }],
  ])('repairs %s', (_label, raw, expected) => {
    const parsed = parseToolArguments(raw);
    expect(parsed.error).toBeUndefined();
    expect(parsed.arguments).toEqual(expected);
    expect(parsed.repaired).toBe(true);
  });

  it.each([
    ['garbage', 'not json at all {{{ ]]', /not valid JSON/],
    ['a string cut off mid-value', '{"content": "half a fi', /cut off inside a string/],
    ['a key with no value', '{"path": "a.txt", "content":', /cut off after a key/],
    ['an array', '[1, 2, 3]', /JSON array/],
    ['a number', '42', /JSON number 42/],
    ['missing comma between members', '{"command": "ls" "oops": }', /not valid JSON/],
  ])('reports %s as a readable error without throwing', (_label, raw, pattern) => {
    const parsed = parseToolArguments(raw);
    expect(parsed.arguments).toEqual({});
    expect(parsed.error).toMatch(pattern);
    expect(parsed.error).toContain('Call the tool again with a single JSON object');
  });

  it('shows (a shortened) received text in the error', () => {
    const raw = `{"x": 1 "y": "${'z'.repeat(500)}"}`;
    const parsed = parseToolArguments(raw);
    expect(parsed.error).toBeDefined();
    expect(parsed.error).toContain('{"x": 1 "y": "zzz');
    expect(parsed.error!.length).toBeLessThan(400);
  });

  it('builds ToolCalls with argumentsError only when unrepairable', () => {
    expect(toolCallFrom('c1', 'exec', "{'command': 'ls',}")).toEqual({ id: 'c1', name: 'exec', arguments: { command: 'ls' } });
    const broken = toolCallFrom('c2', 'exec', '{"command": "ls" "x": }');
    expect(broken.arguments).toEqual({});
    expect(broken.argumentsError).toMatch(/not valid JSON/);
  });
});
