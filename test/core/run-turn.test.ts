import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_ITERATIONS,
  ERROR_HINT,
  LLMError,
  TurnCancelledError,
  ToolRegistry,
  llmErrorMessage,
  maxIterationsMessage,
  runTurn,
  toolOutput,
  type Message,
  type MessageHandle,
  type Tool,
  type ToolContext,
  type TurnHooks,
  type TurnInput,
} from '../../src/core/index.js';
import { DirectExecutor } from '../../src/runtime/index.js';
import { within } from '../support/wait.js';
import { InMemoryConversation } from './helpers/memory-conversation.js';
import { ScriptedProvider, call, reply, toolCalls, type ScriptStep } from './helpers/scripted-provider.js';
import { deferred, makeTool } from './helpers/tools.js';

function setup(steps: ScriptStep[], tools: Tool[] = [], opts: { fallback?: ScriptStep } = {}) {
  const provider = new ScriptedProvider(steps, opts);
  const conversation = new InMemoryConversation({ systemPrompt: 'BASE PROMPT' });
  const registry = new ToolRegistry(tools);
  const executor = new DirectExecutor({ provider, conversation, tools: registry });
  const turn = (input: Partial<TurnInput> = {}, hooks: TurnHooks = {}) =>
    runTurn(executor, { sessionId: 's1', turnId: 't1', message: 'hello', channel: 'test', chatId: 'c1', ...input }, hooks);
  return { provider, conversation, registry, executor, turn };
}

const asMessages = (handles: MessageHandle[]): Message[] => handles as Message[];

describe('runTurn', () => {
  it('answers without tools and records the user and assistant messages', async () => {
    const { turn, conversation, provider } = setup([reply('Hi there')]);
    const result = await turn();
    expect(result.finalContent).toBe('Hi there');
    expect(result.stopReason).toBe('completed');
    expect(result.iterations).toBe(1);
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(provider.requests[0]!.model).toBe('scripted-model');
    const history = conversation.history('s1');
    expect(history.map((m) => [m.role, m.content])).toEqual([
      ['user', 'hello'],
      ['assistant', 'Hi there'],
    ]);
    expect(history.every((m) => m.turnId === 't1')).toBe(true);
  });

  it(`stops after the default ${DEFAULT_MAX_ITERATIONS} iterations with a clear message and calls onMaxIterations`, async () => {
    let executions = 0;
    const noop = makeTool('noop', () => {
      executions += 1;
      return 'ok';
    });
    const { turn, provider, conversation } = setup([], [noop], { fallback: () => toolCalls(call('noop')) });
    const limitHits: number[] = [];
    const result = await turn({}, { onMaxIterations: ({ iterations }) => void limitHits.push(iterations) });

    expect(DEFAULT_MAX_ITERATIONS).toBe(40);
    expect(provider.calls).toBe(40);
    expect(executions).toBe(40);
    expect(result.iterations).toBe(40);
    expect(result.stopReason).toBe('max_iterations');
    expect(result.finalContent).toBe(maxIterationsMessage(40));
    expect(result.finalContent).toContain('limit of 40 tool-call iterations');
    expect(limitHits).toEqual([40]);
    const last = conversation.history('s1').at(-1)!;
    expect(last).toMatchObject({ role: 'assistant', content: result.finalContent });
  });

  it('honours a custom maxIterations', async () => {
    const { turn, provider } = setup([], [makeTool('noop', () => 'ok')], { fallback: () => toolCalls(call('noop')) });
    const result = await turn({ maxIterations: 3 });
    expect(provider.calls).toBe(3);
    expect(result.finalContent).toBe(maxIterationsMessage(3));
  });

  it('a failing onMaxIterations does not fail the turn', async () => {
    const { turn } = setup([], [makeTool('noop', () => 'ok')], { fallback: () => toolCalls(call('noop')) });
    const result = await turn({ maxIterations: 1 }, {
      onMaxIterations: () => {
        throw new Error('hook broke');
      },
    });
    expect(result.stopReason).toBe('max_iterations');
  });

  it('appends onPreContext text (and tool systemContext) to the system prompt the model sees', async () => {
    const skills = makeTool('skills', () => 'ok', { systemContext: () => '# Skills\nsummarise' });
    const { turn, provider, conversation } = setup([reply('done')], [skills]);
    const seen: string[] = [];
    await turn({ message: 'what time is it?' }, {
      onPreContext: ({ message, sessionId, channel, chatId }) => {
        seen.push(`${message}|${sessionId}|${channel}|${chatId}`);
        return '# Clock\nIt is noon.';
      },
    });
    expect(seen).toEqual(['what time is it?|s1|test|c1']);
    expect(conversation.buildPromptCalls[0]!.opts!.pluginContext).toEqual(['# Skills\nsummarise', '# Clock\nIt is noon.']);
    const system = provider.requests[0]!.messages[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toBe('BASE PROMPT\n\n# Skills\nsummarise\n\n# Clock\nIt is noon.');
  });

  it('an empty onPreContext adds nothing', async () => {
    const { turn, provider } = setup([reply('done')]);
    await turn({}, { onPreContext: () => null });
    expect(provider.requests[0]!.messages[0]!.content).toBe('BASE PROMPT');
  });

  it('onPreTool rejection becomes the tool result and the tool is not executed', async () => {
    const ran: string[] = [];
    const danger = makeTool('danger', () => {
      ran.push('danger');
      return 'deleted everything';
    });
    const safe = makeTool('safe', () => {
      ran.push('safe');
      return 'safe result';
    });
    const { turn, provider } = setup(
      [toolCalls(call('danger', { path: '/' }, 'c-danger'), call('safe', {}, 'c-safe')), reply('ok')],
      [danger, safe],
    );
    const asked: unknown[] = [];
    const result = await turn({}, {
      onPreTool: ({ name, args, toolCallId, sessionId }) => {
        asked.push({ name, args, toolCallId, sessionId });
        return name === 'danger' ? 'Blocked by policy: danger is not allowed here.' : undefined;
      },
    });
    expect(ran).toEqual(['safe']);
    expect(asked).toEqual([
      { name: 'danger', args: { path: '/' }, toolCallId: 'c-danger', sessionId: 's1' },
      { name: 'safe', args: {}, toolCallId: 'c-safe', sessionId: 's1' },
    ]);
    const toolMessages = provider.requests[1]!.messages.filter((m) => m.role === 'tool');
    expect(toolMessages).toEqual([
      expect.objectContaining({ toolCallId: 'c-danger', content: 'Blocked by policy: danger is not allowed here.' }),
      expect.objectContaining({ toolCallId: 'c-safe', content: 'safe result' }),
    ]);
    expect(result.toolsUsed).toEqual(['danger', 'safe']);
  });

  it('onPreTool decisions: rewrite runs the new arguments, deny and ask answer the model, records reach the log', async () => {
    const seen: unknown[] = [];
    const echo = makeTool('echo', (args) => {
      seen.push(args);
      return `echo ${String(args.text)}`;
    });
    const { turn, provider, conversation } = setup(
      [toolCalls(call('echo', { text: 'raw' }, 'c1'), call('echo', { text: 'no' }, 'c2'), call('echo', { text: 'ask' }, 'c3')), reply('ok')],
      [echo],
    );
    await turn({}, {
      onPreTool: ({ args, turnId }) => {
        expect(turnId).toBe('t1');
        if (args.text === 'raw') return { action: 'rewrite', args: { text: 'cooked' }, record: { action: 'allow', source: 'hook', rewritten: true } };
        if (args.text === 'no') return { action: 'deny', reason: 'Not today.', record: { action: 'deny', source: 'policy', rule: 0 } };
        return { action: 'ask' };
      },
    });
    expect(seen).toEqual([{ text: 'cooked' }]);
    const toolMessages = provider.requests[1]!.messages.filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.content)).toEqual([
      'echo cooked',
      'Not today.',
      expect.stringContaining("needs a person's approval"),
    ]);
    const logged = conversation.history('s1').filter((m) => m.role === 'tool');
    expect(logged.map((m) => m.decision)).toEqual([
      { action: 'allow', source: 'hook', rewritten: true },
      { action: 'deny', source: 'policy', rule: 0 },
      undefined,
    ]);
  });

  it('calls onPostTurn after the turn is recorded, and its failure does not fail the turn', async () => {
    const { turn, conversation } = setup([reply('one'), reply('two')]);
    const recordedWhenCalled: number[] = [];
    const first = await turn({ turnId: 'a' }, {
      onPostTurn: ({ result, sessionId }) => {
        recordedWhenCalled.push(conversation.history(sessionId).length);
        expect(result.finalContent).toBe('one');
      },
    });
    expect(recordedWhenCalled).toEqual([2]);
    expect(first.finalContent).toBe('one');

    const rejecting = await turn({ turnId: 'b' }, { onPostTurn: async () => Promise.reject(new Error('post hook broke')) });
    expect(rejecting.finalContent).toBe('two');
  });

  it('a synchronously throwing onPostTurn does not fail the turn', async () => {
    const { turn } = setup([reply('fine')]);
    const result = await turn({}, {
      onPostTurn: () => {
        throw new Error('sync post hook broke');
      },
    });
    expect(result.finalContent).toBe('fine');
  });

  it('runs the tool calls of one response concurrently and appends results in call order', async () => {
    const aStarted = deferred();
    const bStarted = deferred();
    const bFinished = deferred();
    const finishOrder: string[] = [];
    // Each waits for the other to start: sequential execution would deadlock.
    const a = makeTool('a', async () => {
      aStarted.resolve();
      await bStarted.promise;
      await bFinished.promise; // and `a` finishes second
      finishOrder.push('a');
      return 'result A';
    });
    const b = makeTool('b', async () => {
      bStarted.resolve();
      await aStarted.promise;
      finishOrder.push('b');
      bFinished.resolve();
      return 'result B';
    });
    const { turn, provider, conversation } = setup([toolCalls(call('a', {}, 'ca'), call('b', {}, 'cb')), reply('both done')], [a, b]);
    const result = await within(turn(), 'the turn (it deadlocks if its tools run one after another)');

    expect(finishOrder).toEqual(['b', 'a']);
    expect(result.finalContent).toBe('both done');
    const sent = provider.requests[1]!.messages.slice(-3);
    expect(sent.map((m) => [m.role, m.toolCallId ?? null, m.content])).toEqual([
      ['assistant', null, null],
      ['tool', 'ca', 'result A'],
      ['tool', 'cb', 'result B'],
    ]);
    expect(sent[0]!.toolCalls!.map((c) => c.id)).toEqual(['ca', 'cb']);
    expect(conversation.history('s1').map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
  });

  it('a tool that throws becomes an error result with the hint, and the turn continues', async () => {
    const boom = makeTool('boom', () => {
      throw new Error('kaboom');
    });
    const { turn, provider } = setup([toolCalls(call('boom', {}, 'cb')), reply('recovered')], [boom]);
    const result = await turn();
    expect(result.finalContent).toBe('recovered');
    const toolMessage = provider.requests[1]!.messages.find((m) => m.role === 'tool')!;
    expect(toolMessage.content).toBe(`Error executing boom: kaboom${ERROR_HINT}`);
    expect(ERROR_HINT).toContain('try a different approach');
  });

  it('an executor that fails on a tool step gives the model an error result, not a failed turn', async () => {
    const { executor, provider } = setup([toolCalls(call('x', {}, 'cx')), reply('carried on')]);
    executor.executeTool = async () => {
      throw new Error('retries exhausted');
    };
    const result = await runTurn(executor, { sessionId: 's1', turnId: 't1', message: 'go' });
    expect(result.finalContent).toBe('carried on');
    expect(provider.requests[1]!.messages.at(-1)!.content).toBe(`Error executing x: retries exhausted${ERROR_HINT}`);
  });

  it('strips <think> blocks from the final answer and from the recorded assistant message', async () => {
    const { turn, conversation } = setup([reply('<think>private reasoning</think>\nThe answer is 42.')]);
    const result = await turn();
    expect(result.finalContent).toBe('The answer is 42.');
    const recorded = conversation.history('s1').at(-1)!;
    expect(recorded.content).toBe('The answer is 42.');
    expect(JSON.stringify(result.newMessages)).not.toContain('private reasoning');
  });

  it('strips an unclosed <think> at the end of an answer', async () => {
    const { turn } = setup([reply('Done.<think>still thinking')]);
    expect((await turn()).finalContent).toBe('Done.');
  });

  it('finish reason "error" ends the turn with a clear reply', async () => {
    const { turn, provider } = setup([reply('upstream overloaded', { finishReason: 'error' })]);
    const result = await turn();
    expect(result.stopReason).toBe('llm_error');
    expect(result.finalContent).toBe(llmErrorMessage('upstream overloaded'));
    expect(result.finalContent).toMatch(/^Sorry, the AI model returned an error.*upstream overloaded.*Please try again\.$/);
    expect(provider.calls).toBe(1);
  });

  it('recovers from a context-window error through onContextOverflow', async () => {
    const overflow = new LLMError('prompt is too long', { kind: 'context_length', status: 400 });
    const { turn, provider, conversation } = setup([overflow, reply('fits now')]);
    for (let i = 0; i < 3; i++) {
      await conversation.record('s1', `old${i}`, [
        { role: 'user', content: `old question ${i}` },
        { role: 'assistant', content: `old answer ${i}` },
      ]);
    }
    const attempts: number[] = [];
    const result = await turn({ turnId: 'new' }, {
      onContextOverflow: ({ messages, error, attempt }) => {
        attempts.push(attempt);
        expect(error).toBe(overflow);
        const all = asMessages(messages);
        return [all[0]!, all.at(-1)!]; // system prompt + the new user message
      },
    });
    expect(result.finalContent).toBe('fits now');
    expect(result.iterations).toBe(1);
    expect(attempts).toEqual([1]);
    expect(provider.requests[0]!.messages).toHaveLength(8);
    expect(provider.requests[1]!.messages.map((m) => m.content)).toEqual(['BASE PROMPT', 'hello']);
  });

  it('rethrows a context-window error when there is no hook, or the hook gives up', async () => {
    const overflow = (): LLMError => new LLMError('prompt is too long', { kind: 'context_length', status: 400 });
    const noHook = setup([overflow()]);
    await expect(noHook.turn()).rejects.toMatchObject({ name: 'LLMError', kind: 'context_length' });

    const givesUp = setup([overflow()]);
    await expect(givesUp.turn({}, { onContextOverflow: () => null })).rejects.toMatchObject({ kind: 'context_length' });
    expect(givesUp.conversation.history('s1')).toEqual([]);

    // A hook that never shrinks enough: bounded retries, then the error.
    const endless = setup([overflow(), overflow(), overflow(), overflow()]);
    const attempts: number[] = [];
    await expect(
      endless.turn({}, { onContextOverflow: ({ messages, attempt }) => (attempts.push(attempt), messages) }),
    ).rejects.toMatchObject({ kind: 'context_length' });
    expect(attempts).toEqual([1, 2]);
    expect(endless.provider.calls).toBe(3);
  });

  it('other provider errors fail the turn and record nothing', async () => {
    const { turn, conversation } = setup([new LLMError('invalid api key', { kind: 'authentication', status: 401 })]);
    await expect(turn()).rejects.toMatchObject({ kind: 'authentication' });
    expect(conversation.history('s1')).toEqual([]);
  });

  it('stops when the AbortSignal fires: no further model calls and nothing recorded', async () => {
    const controller = new AbortController();
    const stopper = makeTool('stopper', () => {
      controller.abort();
      return 'stopping';
    });
    const { turn, provider, conversation } = setup([toolCalls(call('stopper')), reply('never sent')], [stopper]);
    await expect(turn({ signal: controller.signal })).rejects.toBeInstanceOf(TurnCancelledError);
    expect(provider.calls).toBe(1);
    expect(conversation.history('s1')).toEqual([]);
  });

  it('a model answer that arrives after the abort is dropped: nothing recorded, no reply', async () => {
    const controller = new AbortController();
    // A provider that ignores the signal and answers anyway.
    const { turn, conversation } = setup([
      () => {
        controller.abort();
        return reply('too late');
      },
    ]);
    await expect(turn({ signal: controller.signal })).rejects.toBeInstanceOf(TurnCancelledError);
    expect(conversation.history('s1')).toEqual([]);
  });

  it('does not call the model at all when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { turn, provider } = setup([reply('never')]);
    await expect(turn({ signal: controller.signal })).rejects.toMatchObject({ name: 'TurnCancelledError' });
    expect(provider.calls).toBe(0);
  });

  it('passes the signal to the provider and to tools, with the tool context', async () => {
    const controller = new AbortController();
    const contexts: ToolContext[] = [];
    const probe = makeTool('probe', (_args, ctx) => {
      contexts.push(ctx);
      return 'probed';
    });
    const { turn, provider } = setup([toolCalls(call('probe', {}, 'cp')), reply('ok')], [probe]);
    await turn({ signal: controller.signal, turnId: 'turn-9' });
    expect(provider.requests[0]!.signal).toBe(controller.signal);
    expect(contexts[0]).toMatchObject({
      sessionId: 's1',
      channel: 'test',
      chatId: 'c1',
      turnId: 'turn-9',
      toolCallId: 'cp',
      signal: controller.signal,
    });
  });

  it('suppresses the reply when a tool says it already answered the chat', async () => {
    const message = makeTool('message', () => toolOutput('Message sent to test:c1', { replied: true }));
    const { turn } = setup([toolCalls(call('message', { text: 'hi' })), reply('I sent it')], [message]);
    expect((await turn()).suppressReply).toBe(true);

    const plain = setup([reply('just text')]);
    expect((await plain.turn()).suppressReply).toBe(false);
  });

  it('reports progress phases in order', async () => {
    const { turn } = setup([toolCalls(call('t', { query: 'weather in Paris' })), reply('sunny')], [makeTool('t', () => 'x')]);
    const phases: string[] = [];
    await turn({}, {
      onProgress: (p) => phases.push(p.phase === 'tools' ? `tools:${p.tools.map((t) => `${t.name}(${t.firstArg})`).join()}` : p.phase),
    });
    expect(phases).toEqual(['prompt', 'llm', 'tools:t(weather in Paris)', 'llm', 'record']);
  });
});
