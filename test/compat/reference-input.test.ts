// The Python reference's wire shapes, normalised into ours (no Temporal needed: the schemas are
// plain zod). The durable tests run the same inputs through real workflows.
import { describe, expect, it } from 'vitest';
import {
  countUnknownMessage,
  findCredentialKey,
  inDialect,
  LIMITS,
  NO_UNKNOWN_MESSAGES,
  SendMessageArgs,
  SessionInputOnTheWire,
  TurnInputOnTheWire,
  UNKNOWN_NAMES_KEPT,
  type TurnWorkflowResult,
} from '../../src/contract/index.js';
import { referenceFixture, type ReferenceSessionExample } from './reference-fixtures.js';

const turns = referenceFixture<Record<string, Record<string, unknown>>>('reference-turn-example.json');
const bounce = referenceFixture<Record<string, unknown>>('reference-bounce-demo-turn.json');
const readme = referenceFixture<Record<string, unknown>>('reference-readme-sandbox-turn.json');
const session = referenceFixture<ReferenceSessionExample>('reference-session-example.json');

function problems(result: { success: boolean; error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } }): string[] {
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`);
}

describe('the reference turn input', () => {
  it('takes the bounce demo input as it is', () => {
    expect(TurnInputOnTheWire.parse(bounce)).toEqual({
      input: { sessionId: 'bounce-demo', message: 'Run the shell command: sleep 20 && echo task complete', channel: 'cli', chatId: 'demo' },
      dialect: 'reference',
      ignored: [],
    });
  });

  it('maps the example client’s full TurnInput: model settings honoured, tool names kept, the path ignored', () => {
    const wire = TurnInputOnTheWire.parse(turns['example-turn-2a']);
    expect(wire.dialect).toBe('reference');
    expect(wire.input).toEqual({
      sessionId: 'ex:2',
      message: 'Write a file called greeting.txt containing "Hello from Temporal!"',
      channel: 'cli',
      chatId: 'direct',
      model: 'anthropic/claude-haiku-4-5-20251001',
      temperature: 0.1,
      maxTokens: 8192,
      maxIterations: 40,
      onlyTools: ['write_file', 'read_file', 'list_dir'],
    });
    // api_key null, web_search_api_key "" and the defaults are not reported; the path always is.
    expect(wire.ignored).toEqual(['workspace.path']);
  });

  it('reports the README’s sandbox_exec as ignored, with the path', () => {
    expect(TurnInputOnTheWire.parse(readme).ignored).toEqual(['workspace.path', 'workspace.sandbox_exec']);
  });

  it('carries plugin_context and media', () => {
    const wire = TurnInputOnTheWire.parse({ ...bounce, plugin_context: ['user: ada'], media: ['photo.png'] });
    expect(wire.input.pluginContext).toEqual(['user: ada']);
    expect(wire.input.media).toEqual(['photo.png']);
  });

  it('treats an empty tool list as "the worker’s tools"', () => {
    expect(TurnInputOnTheWire.parse({ ...bounce, tool_definitions_json: '[]' }).input.onlyTools).toBeUndefined();
    expect(TurnInputOnTheWire.parse({ ...bounce, tool_definitions_json: '[{"name":"exec"}]' }).input.onlyTools).toEqual(['exec']);
  });

  it('refuses a tool_definitions_json that is not a list of named tools', () => {
    expect(problems(TurnInputOnTheWire.safeParse({ ...bounce, tool_definitions_json: '{"name":"exec"}' }))).toEqual([
      expect.stringMatching(/^tool_definitions_json: must be a JSON array of tool definitions/),
    ]);
  });

  it.each([
    ['llm', 'api_base', 'http://elsewhere.example', /llm\.api_base: is not taken from a workflow input: set providers\.<name>\.apiBase/],
    ['llm', 'extra_headers', { 'x-team': 'a' }, /llm\.extra_headers: is not taken from a workflow input: set providers\.<name>\.extraHeaders/],
    ['workspace', 'web_proxy', 'http://proxy:3128', /workspace\.web_proxy: .*a proxy is not supported/],
    ['workspace', 'exec_path_append', '/opt/bin', /workspace\.exec_path_append: .*exec's PATH is the worker's/],
  ])('refuses %s.%s when set, saying where it belongs', (group, field, value, expected) => {
    const input = { ...bounce, [group]: { ...(group === 'llm' ? { model: 'm' } : { path: '/w' }), [field]: value } };
    expect(problems(TurnInputOnTheWire.safeParse(input)).join('; ')).toMatch(expected);
  });

  it('refuses mixing the two shapes, naming both', () => {
    const [problem] = problems(TurnInputOnTheWire.safeParse({ ...bounce, maxIterations: 3 }));
    expect(problem).toMatch(/mixes two shapes: session_id, chat_id belong to the Python reference's .*maxIterations to this project's/);
  });

  it('refuses an unknown key, as our own shape does', () => {
    expect(problems(TurnInputOnTheWire.safeParse({ ...bounce, colour: 'blue' }))).toEqual(['(input): Unrecognized key: "colour"']);
  });

  it('holds plugin_context to its limits', () => {
    const many = Array.from({ length: LIMITS.pluginContextItems + 1 }, (_, i) => `item ${i}`);
    expect(problems(TurnInputOnTheWire.safeParse({ ...bounce, plugin_context: many }))).toEqual([
      `plugin_context: at most ${LIMITS.pluginContextItems} plugin context items per message`,
    ]);
    const large = ['x'.repeat(LIMITS.pluginContextChars / 2), 'y'.repeat(LIMITS.pluginContextChars / 2 + 1)];
    expect(problems(TurnInputOnTheWire.safeParse({ sessionId: 's', message: 'hi', pluginContext: large })).join()).toMatch(
      /pluginContext: must be at most 32000 characters in all/,
    );
  });

  it('leaves our own shape as it was', () => {
    expect(TurnInputOnTheWire.parse({ sessionId: 's1', message: 'hi', maxIterations: 3 })).toEqual({
      input: { sessionId: 's1', message: 'hi', maxIterations: 3 },
      dialect: 'native',
      ignored: [],
    });
    expect(problems(TurnInputOnTheWire.safeParse({ sessionId: 'evil\nid', message: 'hi' }))).toEqual([
      'sessionId: must be printable text (no control characters or line breaks)',
    ]);
  });
});

describe('credentials in the reference shape', () => {
  it('an unset key (null or "") is no key; a set one is found', () => {
    expect(findCredentialKey(turns['example-turn-1a'])).toBeUndefined();
    expect(findCredentialKey({ ...bounce, llm: { model: 'm', api_key: 'sk-ant-123' } })).toBe('llm.api_key');
    expect(findCredentialKey({ ...bounce, workspace: { path: '/w', web_search_api_key: 'BSA123' } })).toBe('workspace.web_search_api_key');
  });
});

describe('the reference session input and its send_message arguments', () => {
  it('maps the example’s SessionInput; turn_count 0 is no news', () => {
    const wire = SessionInputOnTheWire.parse(session.input);
    expect(wire.input).toMatchObject({
      sessionId: 'session-example:1',
      channel: 'cli',
      chatId: 'direct',
      model: 'anthropic/claude-haiku-4-5-20251001',
      onlyTools: ['write_file', 'read_file'],
    });
    expect(wire.ignored).toEqual(['workspace.path']);
    expect(SessionInputOnTheWire.parse({ ...session.input, turn_count: 7 }).ignored).toContain('turn_count');
  });

  it('takes positional (message, media, plugin_context), the reference object and ours', () => {
    expect(SendMessageArgs.parse(session.send_message[0]!)).toEqual({ text: 'My favourite colour is blue. Remember it.', origin: 'user' });
    expect(SendMessageArgs.parse(['look', ['a.png'], ['user: ada']])).toEqual({
      text: 'look',
      origin: 'user',
      media: ['a.png'],
      pluginContext: ['user: ada'],
    });
    expect(SendMessageArgs.parse([{ message: 'hi', media: null, plugin_context: ['x'] }])).toEqual({ text: 'hi', origin: 'user', pluginContext: ['x'] });
    expect(SendMessageArgs.parse([{ text: 'hi', messageId: 'm1' }])).toEqual({ text: 'hi', origin: 'user', messageId: 'm1' });
  });

  it('refuses what is not a message', () => {
    expect(problems(SendMessageArgs.safeParse([]))).toEqual(['(input): needs the message text as its first argument, e.g. send_message("hello")']);
    expect(problems(SendMessageArgs.safeParse(['a', null, null, 'extra']))).toEqual([
      '(input): takes at most three arguments: message, media, plugin_context',
    ]);
    expect(problems(SendMessageArgs.safeParse([{ message: '' }]))).toEqual(['message: must not be empty']);
  });
});

describe('results in the dialect of the input', () => {
  const result: TurnWorkflowResult = {
    finalContent: 'done',
    toolsUsed: ['exec'],
    iterations: 2,
    usage: { inputTokens: 1, outputTokens: 1 },
    stopReason: 'completed',
    suppressReply: false,
    sessionId: 's',
    turnId: 't',
  };

  it('adds the reference keys for a reference input only', () => {
    expect(inDialect(result, 'native')).toEqual(result);
    expect(inDialect(result, 'reference')).toEqual({ ...result, final_content: 'done', tools_used: ['exec'] });
  });
});

describe('counting unknown signals and updates', () => {
  it('counts per name and kind, keeps a bounded number of names, and cuts long names', () => {
    let counts = NO_UNKNOWN_MESSAGES;
    counts = countUnknownMessage(counts, 'signal', 'sendMesage');
    counts = countUnknownMessage(counts, 'signal', 'sendMesage');
    counts = countUnknownMessage(counts, 'update', 'sendMesage');
    expect(counts).toEqual({
      total: 3,
      byName: [
        { kind: 'signal', name: 'sendMesage', count: 2 },
        { kind: 'update', name: 'sendMesage', count: 1 },
      ],
    });
    for (let i = 0; i < UNKNOWN_NAMES_KEPT * 2; i++) counts = countUnknownMessage(counts, 'signal', `n${i}-${'x'.repeat(300)}`);
    expect(counts.total).toBe(3 + UNKNOWN_NAMES_KEPT * 2);
    expect(counts.byName).toHaveLength(UNKNOWN_NAMES_KEPT);
    expect(Math.max(...counts.byName.map((entry) => entry.name.length))).toBe(200);
    expect(NO_UNKNOWN_MESSAGES).toEqual({ total: 0, byName: [] });
  });
});
