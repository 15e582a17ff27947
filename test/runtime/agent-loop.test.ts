import { afterEach, describe, expect, it } from 'vitest';
import { LLMError, contentText, type ChatRequest, type ToolContext } from '../../src/core/index.js';
import { AgentLoop, HELP_TEXT, MessageBus, type AgentLoopOptions, type InboundMessage } from '../../src/runtime/index.js';
import { createMessageTool } from '../../src/tools/message-tool.js';
import { InMemoryConversation } from '../core/helpers/memory-conversation.js';
import { ScriptedProvider, call, reply, toolCalls, type ScriptStep } from '../core/helpers/scripted-provider.js';
import { deferred, makeTool, untilAborted } from '../core/helpers/tools.js';
import { settle, within } from '../support/wait.js';
import { captureLogger } from './helpers/log-capture.js';

const lastUserText = (req: ChatRequest): string =>
  contentText([...req.messages].reverse().find((m) => m.role === 'user')!.content);
const answeringTool = (req: ChatRequest): boolean => req.messages.at(-1)!.role === 'tool';

const inbound = (chatId: string, content: string, channel = 'test'): InboundMessage => ({
  channel,
  chatId,
  senderId: 'u1',
  content,
});

const running: { loop: AgentLoop; done: Promise<void> }[] = [];

function startLoop(script: ScriptStep[] | ScriptStep, opts: Partial<AgentLoopOptions> = {}) {
  const provider = Array.isArray(script) ? new ScriptedProvider(script) : new ScriptedProvider([], { fallback: script });
  const conversation = new InMemoryConversation();
  const bus = new MessageBus();
  const log = captureLogger();
  const loop = new AgentLoop({ provider, conversation, bus, logger: log.logger, ...opts });
  const done = loop.run();
  running.push({ loop, done });
  const next = (what = 'an outbound message') => within(bus.consumeOutbound(), what);
  const send = (msg: InboundMessage) => bus.publishInbound(msg);
  return { loop, bus, provider, conversation, log, next, send, done };
}

afterEach(async () => {
  for (const { loop, done } of running.splice(0)) {
    await loop.stop({ cancelRunning: true });
    await done;
  }
});

describe('AgentLoop', () => {
  it('answers a message on the bus with a reply to the same channel and chat', async () => {
    const { send, next } = startLoop([reply('Hello!')]);
    await send({ ...inbound('c1', 'hi'), metadata: { messageId: 7 } });
    expect(await next()).toEqual({ channel: 'test', chatId: 'c1', content: 'Hello!', metadata: { messageId: 7 } });
  });

  it('runs turns of different sessions in parallel', async () => {
    const started = { A: deferred(), B: deferred() };
    // Each session's tool waits until the other session's tool has started: serial execution deadlocks.
    const gate = makeTool('gate', async (args) => {
      const me = args.who as 'A' | 'B';
      started[me].resolve();
      await started[me === 'A' ? 'B' : 'A'].promise;
      return `gate ${me} open`;
    });
    const { send, next } = startLoop(
      (req) => (answeringTool(req) ? reply(`done ${lastUserText(req)}`) : toolCalls(call('gate', { who: lastUserText(req) }))),
      { tools: [gate] },
    );
    await send(inbound('chat-a', 'A'));
    await send(inbound('chat-b', 'B'));
    const replies = [await next('first reply'), await next('second reply')];
    expect(replies.map((r) => `${r.chatId}:${r.content}`).sort()).toEqual(['chat-a:done A', 'chat-b:done B']);
  });

  it('never interleaves turns of one session: the second sees the first recorded', async () => {
    const release = deferred();
    const slowStarted = deferred();
    const events: string[] = [];
    const slow = makeTool('slow', async () => {
      slowStarted.resolve();
      await release.promise;
      return 'slow result';
    });
    const { send, next, provider, conversation } = startLoop(
      (req) => {
        const text = lastUserText(req);
        events.push(`llm ${text}`);
        if (text === 'first' && !answeringTool(req)) return toolCalls(call('slow'));
        return reply(`answer to ${text}`);
      },
      { tools: [slow] },
    );
    const record = conversation.record.bind(conversation);
    conversation.record = async (sessionId, turnId, messages) => {
      events.push(`record ${contentText(messages[0]!.content)}`);
      await record(sessionId, turnId, messages);
    };

    await send(inbound('c1', 'first'));
    await send(inbound('c1', 'second'));
    await within(slowStarted.promise, 'the first turn to reach its tool');
    await settle(20);
    expect(provider.requests.map(lastUserText)).toEqual(['first']); // the second waits

    release.resolve();
    expect((await next()).content).toBe('answer to first');
    expect((await next()).content).toBe('answer to second');
    expect(events).toEqual(['llm first', 'llm first', 'record first', 'llm second', 'record second']);
    // The second turn's prompt carries the first turn's whole transcript.
    const secondPrompt = provider.requests[2]!.messages.map((m) => `${m.role}:${contentText(m.content)}`);
    expect(secondPrompt).toEqual([
      'system:You are a test agent.',
      'user:first',
      'assistant:',
      'tool:slow result',
      'assistant:answer to first',
      'user:second',
    ]);
  });

  it('/stop cancels the running turn (its tool sees the abort) and the session stays usable', async () => {
    const toolStarted = deferred();
    let toolSawAbort = false;
    const slow = makeTool('slow', async (_args, ctx) => {
      toolStarted.resolve();
      try {
        return await untilAborted(ctx.signal);
      } catch (error) {
        toolSawAbort = true;
        throw error;
      }
    });
    const { send, next, provider, conversation } = startLoop(
      (req) => (lastUserText(req) === 'long job' ? toolCalls(call('slow')) : reply(`answer to ${lastUserText(req)}`)),
      { tools: [slow] },
    );

    await send(inbound('c1', 'long job'));
    await within(toolStarted.promise, 'the slow tool to start');
    await send(inbound('c1', '/stop'));
    expect((await next()).content).toBe('Stopped 1 task.');
    expect(toolSawAbort).toBe(true);

    await send(inbound('c1', 'are you there?'));
    // The cancelled turn sends nothing: the next message out is the answer to the new one.
    expect((await next()).content).toBe('answer to are you there?');
    expect(provider.requests.map(lastUserText)).toEqual(['long job', 'are you there?']);
    expect(conversation.history('test:c1').map((m) => contentText(m.content))).toEqual([
      'are you there?',
      'answer to are you there?',
    ]);
  });

  it('/stop also stops queued turns and counts work cancelled by tools', async () => {
    const toolStarted = deferred();
    const cancelledSessions: string[] = [];
    const slow = makeTool('slow', async (_args, ctx) => {
      toolStarted.resolve();
      return untilAborted(ctx.signal);
    });
    const spawn = makeTool('spawn', () => 'spawned', {
      async cancelBySession(sessionId: string) {
        cancelledSessions.push(sessionId);
        return 2;
      },
    });
    const { send, next, provider } = startLoop(
      (req) => (lastUserText(req) === 'long job' ? toolCalls(call('slow')) : reply(`answer to ${lastUserText(req)}`)),
      { tools: [slow, spawn] },
    );
    await send(inbound('c1', 'long job'));
    await send(inbound('c1', 'queued behind it'));
    await within(toolStarted.promise, 'the slow tool to start');
    await send(inbound('c1', '/stop'));
    expect((await next()).content).toBe('Stopped 4 tasks.'); // running + queued + 2 from the tool
    expect(cancelledSessions).toEqual(['test:c1']);
    await send(inbound('c1', 'hello'));
    expect((await next()).content).toBe('answer to hello');
    expect(provider.requests.map(lastUserText)).toEqual(['long job', 'hello']);
  });

  it('/stop with nothing running says so', async () => {
    const { send, next } = startLoop([]);
    await send(inbound('c1', '/stop'));
    expect((await next()).content).toBe('No active task to stop.');
  });

  it('/new clears the session and confirms', async () => {
    const { send, next, provider, conversation } = startLoop((req) => reply(`answer to ${lastUserText(req)}`));
    await send(inbound('c1', 'remember the number 7'));
    await next();
    expect(conversation.history('test:c1')).toHaveLength(2);

    await send(inbound('c1', '/new'));
    expect((await next()).content).toBe('New session started.');
    expect(conversation.history('test:c1')).toEqual([]);

    await send(inbound('c1', 'what was the number?'));
    await next();
    expect(provider.requests.at(-1)!.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('/help lists the commands', async () => {
    const { send, next, provider } = startLoop([]);
    await send(inbound('c1', ' /HELP '));
    const help = (await next()).content;
    expect(help).toBe(HELP_TEXT);
    for (const command of ['/new', '/stop', '/help']) expect(help).toContain(command);
    expect(provider.calls).toBe(0);
  });

  it('turns a failed turn into a polite error reply and keeps running', async () => {
    const { send, next, log } = startLoop([
      new LLMError('Incorrect API key provided: sk-abcdefghijklmnop', { kind: 'authentication', status: 401 }),
      reply('back to normal'),
    ]);
    await send(inbound('c1', 'hi'));
    const error = (await next()).content;
    expect(error).toMatch(/^Sorry, something went wrong while handling your message \(Incorrect API key provided/);
    expect(error).toContain('Please try again');
    expect(error).not.toContain('sk-abcdefghijklmnop');
    expect(log.lines().some((l) => l.msg === 'turn failed' && l.level === 'error')).toBe(true);

    await send(inbound('c1', 'hi again'));
    expect((await next()).content).toBe('back to normal');
  });

  it('gives each tool call its turn\'s chat, message id and the loop\'s delivery', async () => {
    const seen: ToolContext[] = [];
    const probe = makeTool('probe', (_args, ctx) => {
      seen.push(ctx);
      return 'ok';
    });
    const { send, next, loop } = startLoop((req) => (answeringTool(req) ? reply('done') : toolCalls(call('probe'))), {
      tools: [probe],
    });
    await send({ ...inbound('c9', 'remind me'), metadata: { messageId: 55 } });
    expect((await next()).content).toBe('done');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ sessionId: 'test:c9', channel: 'test', chatId: 'c9', messageId: '55' });
    await seen[0]!.deliver!({ channel: 'test', chatId: 'c9', content: 'via the bus' });
    expect((await next()).content).toBe('via the bus');
    expect(loop.bus).toBeInstanceOf(MessageBus);
  });

  it('does not send the final answer when a tool already answered the chat (replied)', async () => {
    const { send, next } = startLoop(
      (req) => {
        if (lastUserText(req) === 'ping') return reply('pong');
        return answeringTool(req) ? reply('I told them') : toolCalls(call('message', { content: 'Sent by the tool' }));
      },
      { tools: [createMessageTool()] },
    );
    await send(inbound('c1', 'tell me something'));
    expect((await next()).content).toBe('Sent by the tool');
    await send(inbound('c1', 'ping'));
    expect((await next()).content).toBe('pong'); // not 'I told them'
  });

  it('passes model, temperature and maxTokens to the provider', async () => {
    const { send, next, provider } = startLoop([reply('ok')], { model: 'm-1', temperature: 0.2, maxTokens: 99 });
    await send(inbound('c1', 'hi'));
    await next();
    expect(provider.requests[0]).toMatchObject({ model: 'm-1', temperature: 0.2, maxTokens: 99 });
  });

  it('stop() ends run() and lets the turn in progress finish', async () => {
    const release = deferred();
    const gate = makeTool('gate', async () => {
      await release.promise;
      return 'open';
    });
    const provider = new ScriptedProvider([toolCalls(call('gate')), reply('finished anyway')]);
    const bus = new MessageBus();
    const loop = new AgentLoop({ provider, conversation: new InMemoryConversation(), bus, tools: [gate], logger: captureLogger().logger });
    const done = loop.run();
    expect(loop.running).toBe(true);
    await bus.publishInbound(inbound('c1', 'go'));
    await settle(20);
    const stopping = loop.stop();
    release.resolve();
    await within(stopping, 'stop()');
    await within(done, 'run() to return');
    expect(loop.running).toBe(false);
    expect((await bus.consumeOutbound()).content).toBe('finished anyway');
    // Not consuming any more: a new message stays on the bus.
    await bus.publishInbound(inbound('c1', 'anyone?'));
    await settle();
    expect(bus.inboundSize).toBe(1);
  });

  it('run() returns when the bus is closed', async () => {
    const bus = new MessageBus();
    const loop = new AgentLoop({
      provider: new ScriptedProvider([]),
      conversation: new InMemoryConversation(),
      bus,
      logger: captureLogger().logger,
    });
    const done = loop.run();
    await settle();
    bus.close();
    await within(done, 'run() to return after close');
  });
});

describe('MessageBus', () => {
  it('delivers in order, waits for messages, and releases waiters on abort or close', async () => {
    const bus = new MessageBus();
    const waiting = bus.consumeInbound();
    await bus.publishInbound(inbound('c', '1'));
    await bus.publishInbound(inbound('c', '2'));
    expect((await waiting).content).toBe('1');
    expect((await bus.consumeInbound()).content).toBe('2');

    const controller = new AbortController();
    const aborted = bus.consumeOutbound(controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    // The aborted waiter is gone: the next message goes to the next consumer.
    await bus.publishOutbound({ channel: 'c', chatId: 'x', content: 'kept' });
    expect((await bus.consumeOutbound()).content).toBe('kept');

    const pending = bus.consumeInbound();
    bus.close();
    await expect(pending).rejects.toMatchObject({ name: 'BusClosedError' });
    await expect(bus.publishInbound(inbound('c', 'late'))).rejects.toMatchObject({ name: 'BusClosedError' });
  });
});
