import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { TurnProgress } from '../core/index.js';
import { scrubSecrets } from '../logger.js';
import type { SessionClient, SessionStatus } from '../temporal/session-client.js';
import { CONNECTION_FLAGS_HELP, UsageError } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { connectSessions } from './send-command.js';
import { sessionFlags } from './session-flags.js';

const FLAGS = sessionFlags(
  {
    session: 'conversation key (default "cli")',
    poll: 'how often the status line is refreshed (default 500)',
  },
  25,
);

export const CHAT_HELP = `Usage: exoclaw-temporal chat --session S

An interactive chat with the session's long-lived AgentSessionWorkflow (started on the first
message). While a turn runs, a status line shows what it is doing: the model call, or the tool
with its first argument, and the time since the turn started.
  Ctrl-C during a turn   stop it (/stop)
  Ctrl-C twice, or Ctrl-D, when idle   exit (the session lives on; chat again to continue)
  /stop /new /help       session commands; /exit leaves the chat
${FLAGS.help}
A worker must be running (exoclaw-temporal worker, or npm start).
${CONNECTION_FLAGS_HELP}`;

const PROMPT = 'you> ';

export async function chatCommand(argv: string[]): Promise<number> {
  const { values, positionals } = FLAGS.parse(argv);
  if (positionals.length > 0) throw new UsageError(`chat takes no message arguments (got "${positionals.join(' ')}"); type them instead.`);
  // A bare number is milliseconds, as before --poll took durations.
  const pollMs = values.poll === undefined ? 500 : durationFlag('--poll', values.poll, { examples: '500ms or 1s', bareUnit: 'ms' });
  if (pollMs < 50) throw new UsageError('--poll needs at least 50 milliseconds.');
  const sessionId = values.session ?? 'cli';
  const sessions = await connectSessions(values);
  try {
    await new ChatSession(sessions, sessionId, pollMs).run();
    return 0;
  } finally {
    await sessions.client.connection.close();
  }
}

/** One terminal chat: lines in, replies out, a live status line while turns run. */
class ChatSession {
  private inFlight = 0;
  private stopping = false;
  private exitArmed = false;
  private closed = false;
  private readonly tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
  private readonly progress: ProgressLine;

  constructor(
    private readonly sessions: SessionClient,
    private readonly sessionId: string,
    pollMs: number,
  ) {
    this.progress = new ProgressLine(() => this.sessions.status(this.sessionId), pollMs, this.tty);
  }

  async run(): Promise<void> {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: this.tty });
    const finished = new Promise<void>((resolve) => {
      rl.on('close', () => {
        this.closed = true;
        resolve();
      });
    });
    const onInterrupt = (): void => this.interrupt(rl);
    rl.on('SIGINT', onInterrupt); // terminal: readline turns Ctrl-C into this event
    process.on('SIGINT', onInterrupt); // piped input: a real signal
    console.error(`Session "${this.sessionId}" (workflow ${this.sessions.workflowId(this.sessionId)}). /help for commands, Ctrl-D to exit.`);
    rl.setPrompt(PROMPT);
    rl.prompt();
    rl.on('line', (line) => {
      this.exitArmed = false;
      const text = line.trim();
      if (text === '/exit' || text === '/quit') {
        rl.close();
        return;
      }
      if (!text) {
        if (this.inFlight === 0) rl.prompt();
        return;
      }
      void this.send(text, rl);
    });
    try {
      await finished;
      // Ctrl-D / end of input: let the replies already asked for arrive.
      while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off('SIGINT', onInterrupt);
      this.progress.stop();
    }
  }

  private async send(text: string, rl: ReturnType<typeof createInterface>): Promise<void> {
    this.inFlight += 1;
    this.progress.start();
    try {
      // A fresh id per line: a retried send is answered once.
      const reply = await this.sessions.send(this.sessionId, text, { messageId: randomUUID() });
      this.progress.clear();
      const tag = reply.status === 'completed' || reply.status === 'command' ? '' : `(${reply.status}) `;
      if (reply.content || tag) console.log(`${tag}${reply.content}`);
    } catch (error) {
      this.progress.clear();
      console.error(`error: ${errorText(error)}`);
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) {
        this.progress.stop();
        this.stopping = false;
        if (!this.closed) rl.prompt();
      }
    }
  }

  private interrupt(rl: ReturnType<typeof createInterface>): void {
    if (this.inFlight > 0) {
      if (this.stopping) return;
      this.stopping = true;
      this.progress.clear();
      console.error('Stopping… (/stop)');
      this.sessions.stop(this.sessionId).then(
        (reply) => console.error(reply.content),
        (error: unknown) => console.error(`error: could not stop: ${errorText(error)}`),
      );
      return;
    }
    if (this.exitArmed) {
      rl.close();
      return;
    }
    this.exitArmed = true;
    console.error('\n(Ctrl-C again or Ctrl-D to exit)');
    rl.prompt();
  }
}

/** Polls the session status and shows what the running turn does, on one line (or a line per change). */
class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = '';
  /** Local clock base per turn, so the elapsed time advances between workflow activations. */
  private base: { turnId: string; at: number } | undefined;
  private frame = 0;

  constructor(
    private readonly status: () => Promise<SessionStatus | undefined>,
    private readonly pollMs: number,
    private readonly tty: boolean,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  clear(): void {
    if (!this.tty) return; // piped: lines stay, and an unchanged activity is not repeated
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = '';
  }

  private async tick(): Promise<void> {
    let status: SessionStatus | undefined;
    try {
      status = await this.status();
    } catch {
      return; // a missed poll is not worth a message
    }
    if (!this.timer) return;
    const text = describeStatus(status, this.elapsed(status));
    if (!text) return;
    if (this.tty) {
      const spinner = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'[this.frame++ % 10];
      process.stderr.write(`\r\x1b[K${spinner} ${text}`);
      this.shown = text;
    } else {
      // Piped output: one line per change of activity, without the ticking clock.
      const key = `${status?.turn?.turnId ?? ''} ${text.replace(/^\[[\d.]+s\] /, '')}`;
      if (key !== this.shown) process.stderr.write(`… ${text}\n`);
      this.shown = key;
    }
  }

  private elapsed(status: SessionStatus | undefined): number {
    const turn = status?.turn;
    if (!turn) return 0;
    if (this.base?.turnId !== turn.turnId) this.base = { turnId: turn.turnId, at: Date.now() - turn.elapsedMs };
    return Date.now() - this.base.at;
  }
}

/** "[3.2s] running exec: sleep 5" — what the running turn is doing. */
export function describeStatus(status: SessionStatus | undefined, elapsedMs: number): string {
  if (!status) return 'starting the session…';
  if (status.clearing) return 'saving memory and clearing the conversation…';
  if (!status.turn) return status.pending > 0 ? `${status.pending} message(s) queued…` : '';
  const queued = status.pending > 0 ? ` (+${status.pending} queued)` : '';
  return `[${(elapsedMs / 1000).toFixed(1)}s] ${describeProgress(status.turn.progress)}${queued}`;
}

export function describeProgress(progress: TurnProgress): string {
  switch (progress.phase) {
    case 'prompt':
      return 'building the prompt';
    case 'llm':
      return `thinking (model call ${progress.iteration})`;
    case 'tools':
      return `running ${progress.tools.map((tool) => (tool.firstArg ? `${tool.name}: ${tool.firstArg}` : tool.name)).join(', ')}`;
    case 'record':
      return 'saving the turn';
  }
}

/** The most specific message in a cause chain (Temporal wraps the real reason), without secrets. */
function errorText(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e = (error as { cause?: unknown }).cause, depth = 0; e && depth < 8; depth++) {
    if (e instanceof Error && e.message) message = e.message;
    e = (e as { cause?: unknown }).cause;
  }
  return scrubSecrets(message);
}
