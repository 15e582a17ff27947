import { describe, expect, it } from 'vitest';
import { toolOutput } from '../../src/core/index.js';
import { LLMError, contentText, type ChatRequest } from '../../src/core/index.js';
import { AgentLoop, HELP_TEXT, processDirect } from '../../src/runtime/index.js';
import { InMemoryConversation } from '../core/helpers/memory-conversation.js';
import { ScriptedProvider, call, reply, toolCalls } from '../core/helpers/scripted-provider.js';
import { deferred, makeTool, untilAborted } from '../core/helpers/tools.js';
import { within } from '../support/wait.js';
import { captureLogger } from './helpers/log-capture.js';

const lastUserText = (req: ChatRequest): string =>
  contentText([...req.messages].reverse().find((m) => m.role === 'user')!.content);

describe('processDirect', () => {
  it('runs one message standalone and returns the reply and the turn result', async () => {
    const provider = new ScriptedProvider([toolCalls(call('add', { a: '2', b: 3 })), reply('2 + 3 = 5')]);
    const conversation = new InMemoryConversation();
    const add = makeTool('add', (args) => String((args.a as number) + (args.b as number)), {
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    });
    const { content, result } = await processDirect('what is 2 + 3?', {
      provider,
      conversation,
      tools: [add],
      logger: captureLogger().logger,
    });
    expect(content).toBe('2 + 3 = 5');
    expect(result).toMatchObject({ finalContent: '2 + 3 = 5', toolsUsed: ['add'], iterations: 2, stopReason: 'completed' });
    expect(provider.requests[1]!.messages.at(-1)!.content).toBe('5');
    // Default session: cli:direct
    expect(conversation.history('cli:direct').map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('uses the given session, channel and chat, and answers commands', async () => {
    const conversation = new InMemoryConversation();
    const provider = new ScriptedProvider([], { fallback: (req) => reply(`echo ${lastUserText(req)}`) });
    const loop = new AgentLoop({ provider, conversation, logger: captureLogger().logger });
    const opts = { loop, sessionId: 'cron:job-1', channel: 'cron', chatId: 'job-1' };

    expect((await processDirect('first', opts)).content).toBe('echo first');
    expect(conversation.buildPromptCalls[0]!.opts).toMatchObject({ channel: 'cron', chatId: 'job-1' });
    expect(conversation.history('cron:job-1')).toHaveLength(2);

    const help = await processDirect('/help', opts);
    expect(help).toEqual({ content: HELP_TEXT });
    const fresh = await processDirect('/new', opts);
    expect(fresh).toEqual({ content: 'New session started.' });
    expect(conversation.history('cron:job-1')).toEqual([]);
    expect(provider.calls).toBe(1);
  });

  it('is serialised with the loop for the same session', async () => {
    const release = deferred();
    const started = deferred();
    const wait = makeTool('wait', async () => {
      started.resolve();
      await release.promise;
      return 'waited';
    });
    const provider = new ScriptedProvider([], {
      fallback: (req) =>
        lastUserText(req) === 'slow' && req.messages.at(-1)!.role === 'user' ? toolCalls(call('wait')) : reply(`done ${lastUserText(req)}`),
    });
    const loop = new AgentLoop({ provider, conversation: new InMemoryConversation(), tools: [wait], logger: captureLogger().logger });
    const slow = processDirect('slow', { loop });
    await within(started.promise, 'the slow turn to start');
    const quick = processDirect('quick', { loop });
    const order: string[] = [];
    const tracked = [slow.then(() => order.push('slow')), quick.then(() => order.push('quick'))];
    release.resolve();
    await Promise.all(tracked);
    expect(order).toEqual(['slow', 'quick']);
    expect((await quick).content).toBe('done quick');
  });

  it('rejects when the turn fails, and with TurnCancelledError when its signal aborts', async () => {
    const failing = new ScriptedProvider([new LLMError('model not found: gpt-nope', { kind: 'not_found', status: 404 })]);
    await expect(
      processDirect('hi', { provider: failing, conversation: new InMemoryConversation(), logger: captureLogger().logger }),
    ).rejects.toMatchObject({ name: 'LLMError', kind: 'not_found' });

    const controller = new AbortController();
    const started = deferred();
    const slow = makeTool('slow', (_args, ctx) => {
      started.resolve();
      return untilAborted(ctx.signal);
    });
    const provider = new ScriptedProvider([toolCalls(call('slow')), reply('never')]);
    const pending = processDirect('go', {
      provider,
      conversation: new InMemoryConversation(),
      tools: [slow],
      signal: controller.signal,
      logger: captureLogger().logger,
    });
    await within(started.promise, 'the slow tool to start');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'TurnCancelledError' });
    expect(provider.calls).toBe(1);
  });

  it('returns an empty reply when a tool already answered (replied)', async () => {
    const notify = makeTool('notify', () => toolOutput('sent', { replied: true }));
    const provider = new ScriptedProvider([toolCalls(call('notify')), reply('I notified them')]);
    const { content, result } = await processDirect('notify them', {
      provider,
      conversation: new InMemoryConversation(),
      tools: [notify],
      logger: captureLogger().logger,
    });
    expect(content).toBe('');
    expect(result!.suppressReply).toBe(true);
    expect(result!.finalContent).toBe('I notified them');
  });
});
