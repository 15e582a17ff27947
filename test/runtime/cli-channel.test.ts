import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { contentText } from '../../src/core/index.js';
import { AgentLoop, ChannelManager, CliChannel, MessageBus } from '../../src/runtime/index.js';
import { InMemoryConversation } from '../core/helpers/memory-conversation.js';
import { ScriptedProvider, reply } from '../core/helpers/scripted-provider.js';
import { settle, waitUntil, within } from '../support/wait.js';
import { captureLogger } from './helpers/log-capture.js';

function terminal() {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  return {
    input,
    output,
    printed: () => printed,
    /** Resolves once `text` has been printed. */
    async waitFor(text: string): Promise<void> {
      await waitUntil(`"${text}" on the terminal`, () => printed.includes(text), {
        timeoutMs: 3_000,
        intervalMs: 5,
        detail: () => `printed: ${JSON.stringify(printed)}`,
      });
    },
  };
}

describe('CliChannel', () => {
  it('turns typed lines into inbound messages for chat "direct" and prints replies', async () => {
    const term = terminal();
    const bus = new MessageBus();
    const cli = new CliChannel({ input: term.input, output: term.output, logger: captureLogger().logger });
    await cli.start(bus);
    expect(term.printed()).toBe('> ');

    term.input.write('\n'); // blank lines are ignored
    term.input.write('  hello agent  \n');
    const msg = await within(bus.consumeInbound(), 'the typed line on the bus');
    expect(msg).toEqual({ channel: 'cli', senderId: 'user', chatId: 'direct', content: 'hello agent' });
    await settle();
    expect(bus.inboundSize).toBe(0);

    await cli.send({ channel: 'cli', chatId: 'direct', content: 'Hello human' });
    expect(term.printed()).toContain('Hello human\n');
    expect(term.printed().endsWith('> ')).toBe(true);

    term.input.write('exit\n');
    await within(cli.closed, 'exit to close the channel');
    expect(bus.inboundSize).toBe(0); // "exit" is not sent to the agent
  });

  it('Ctrl-D (end of input) and stop() end the session', async () => {
    const first = terminal();
    const eof = new CliChannel({ input: first.input, output: first.output, logger: captureLogger().logger });
    await eof.start(new MessageBus());
    first.input.end();
    await within(eof.closed, 'end of input to close the channel');

    const second = terminal();
    const stopped = new CliChannel({ input: second.input, output: second.output, logger: captureLogger().logger });
    await stopped.start(new MessageBus());
    await stopped.stop();
    await within(stopped.closed, 'stop() to close the channel');
  });

  it('quit is an exit word too', async () => {
    const term = terminal();
    const cli = new CliChannel({ input: term.input, output: term.output, logger: captureLogger().logger });
    await cli.start(new MessageBus());
    term.input.write('QUIT\n');
    await within(cli.closed, 'quit to close the channel');
  });

  it('runs a whole conversation through ChannelManager and AgentLoop', async () => {
    const term = terminal();
    const bus = new MessageBus();
    const logger = captureLogger().logger;
    const provider = new ScriptedProvider([], {
      fallback: (req) => reply(`You said: ${contentText(req.messages.at(-1)!.content)}`),
    });
    const conversation = new InMemoryConversation();
    const loop = new AgentLoop({ provider, conversation, bus, logger });
    const cli = new CliChannel({ input: term.input, output: term.output, prompt: 'you> ', logger });
    const channels = new ChannelManager({ bus, channels: [cli], logger });
    await channels.start();
    const running = loop.run();

    term.input.write('good morning\n');
    await term.waitFor('You said: good morning');
    term.input.write('/help\n');
    await term.waitFor('/stop');
    term.input.write('exit\n');
    await within(cli.closed, 'the REPL to end');

    await loop.stop();
    await running;
    await channels.stop();
    expect(conversation.history('cli:direct').map((m) => contentText(m.content))).toEqual([
      'good morning',
      'You said: good morning',
    ]);
    expect(term.printed().startsWith('you> ')).toBe(true);
  });
});
