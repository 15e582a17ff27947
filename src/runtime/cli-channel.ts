import { createInterface, type Interface } from 'node:readline';
import type { Bus, OutboundMessage } from './bus.js';
import type { Channel } from './channel.js';
import { logger as sharedLogger, type Logger } from '../logger.js';

export interface CliChannelOptions {
  /** Defaults to process.stdin. */
  input?: NodeJS.ReadableStream;
  /** Defaults to process.stdout. */
  output?: NodeJS.WritableStream;
  /** Defaults to `cli`. */
  name?: string;
  /** Defaults to `direct`. */
  chatId?: string;
  /** Defaults to `user`. */
  senderId?: string;
  /** Shown before each line the user types. Defaults to `> `. */
  prompt?: string;
  logger?: Logger;
}

const EXIT_WORDS = new Set(['exit', 'quit', ':q']);

/**
 * An interactive terminal: each line typed becomes an inbound message for chat `direct`, and
 * replies are printed. `exit`, `quit` or Ctrl-D ends it; `closed` resolves then.
 */
export class CliChannel implements Channel {
  readonly name: string;
  readonly chatId: string;
  /** Resolves when the user leaves (exit/quit/Ctrl-D) or `stop()` is called. */
  readonly closed: Promise<void>;
  private readonly opts: CliChannelOptions;
  private readonly log: Logger;
  private readonly output: NodeJS.WritableStream;
  private rl: Interface | undefined;
  private markClosed!: () => void;

  constructor(opts: CliChannelOptions = {}) {
    this.opts = opts;
    this.name = opts.name ?? 'cli';
    this.chatId = opts.chatId ?? 'direct';
    this.output = opts.output ?? process.stdout;
    this.log = (opts.logger ?? sharedLogger()).child({ component: 'cli-channel' });
    this.closed = new Promise<void>((resolve) => (this.markClosed = resolve));
  }

  async start(bus: Bus): Promise<void> {
    if (this.rl) return;
    const output = this.output as NodeJS.WritableStream & { isTTY?: boolean };
    const rl = createInterface({
      input: this.opts.input ?? process.stdin,
      output,
      terminal: output.isTTY === true,
    });
    this.rl = rl;
    rl.setPrompt(this.opts.prompt ?? '> ');
    rl.on('line', (line) => {
      const content = line.trim();
      if (!content) {
        rl.prompt();
        return;
      }
      if (EXIT_WORDS.has(content.toLowerCase())) {
        rl.close();
        return;
      }
      bus
        .publishInbound({ channel: this.name, senderId: this.opts.senderId ?? 'user', chatId: this.chatId, content })
        .catch((error: unknown) => {
          this.log.error({ err: error }, 'could not hand the message to the agent');
          this.write('Could not send that message to the agent (is it still running?).\n');
        });
    });
    rl.on('close', () => {
      this.rl = undefined;
      this.markClosed();
    });
    rl.prompt();
  }

  async stop(): Promise<void> {
    this.rl?.close();
  }

  async send(msg: OutboundMessage): Promise<void> {
    this.write(`${msg.content}\n\n`);
    this.rl?.prompt();
  }

  private write(text: string): void {
    this.output.write(text);
  }
}
