import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { stateRootForTools } from '../config/local-stack-defaults.js';
import { sessionTurnId } from '../contract/index.js';
import type { TurnProgress } from '../core/index.js';
import { openEventStore, type SessionEventStore } from '../events/index.js';
import { scrubSecrets } from '../logger.js';
import type { SessionClient, SessionStatus } from '../temporal/session-client.js';
import { WaitWatcher } from '../temporal/wait-watcher.js';
import { ApprovalsClient } from '../temporal/approvals-client.js';
import { ApprovalPrompt } from './approval-prompt.js';
import { EXIT_INTERRUPTED, EXIT_TIMED_OUT, stillRunningMessage } from './client-wait.js';
import { ChatStream } from './chat-stream.js';
import { CONNECTION_FLAGS_HELP, UsageError } from './common-flags.js';
import { durationFlag } from './duration-flag.js';
import { connectSessions, sessionFollowUps } from './send-command.js';
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
message). It follows the session's event stream (docs/events.md): answers appear token by token,
tool calls as they start and finish (on stderr), and messages from the message tool and the
replies of cron jobs, the heartbeat and subagents appear as they come, also while you type.
Until the first token, a status line shows what the turn is doing: the model call, or the tool
with its first argument, and the time since the turn started; it also says when no worker is
polling the task queue, and when a model call is being retried. The stream is read from the
state root (--state-dir, as the worker's) or Redis (events.redisUrl).
  Ctrl-C during a turn   stop it (/stop); Ctrl-C again leaves (the turn goes on in the session)
  Ctrl-C twice, or Ctrl-D, when idle   exit (the session lives on; chat again to continue)
  Ctrl-D during a turn   leave at once (the turn goes on in the session)
  /stop /new /help       session commands; /exit leaves the chat
When a tool call waits for approval (docs/approvals.md), chat shows it and asks:
  y = run it once, always = also later calls of the same tool and matcher in this
  session, n = do not run it (n: REASON tells the model why)
With piped input, chat waits for the replies after the input ends, unless no worker is polling.
${FLAGS.help}
A worker must be running (exoclaw-temporal worker, or npm start).
Exit codes: 0 done, 1 failed, 2 usage error, ${EXIT_TIMED_OUT} input ended with no worker to answer, ${EXIT_INTERRUPTED} left with Ctrl-C during a turn.
${CONNECTION_FLAGS_HELP}`;

const PROMPT = 'you> ';

/** How long a Ctrl-C's /stop may take to reach the session before the chat says so. */
const STOP_DEADLINE_MS = 10_000;

export async function chatCommand(argv: string[]): Promise<number> {
  const { values, positionals } = FLAGS.parse(argv);
  if (positionals.length > 0) throw new UsageError(`chat takes no message arguments (got "${positionals.join(' ')}"); type them instead.`);
  // A bare number is milliseconds, as before --poll took durations.
  const pollMs = values.poll === undefined ? 500 : durationFlag('--poll', values.poll, { examples: '500ms or 1s', bareUnit: 'ms' });
  if (pollMs < 50) throw new UsageError('--poll needs at least 50 milliseconds.');
  const sessionId = values.session ?? 'cli';
  const { sessions, target, config } = await connectSessions(values);
  const events = openEventStore({ stateDir: stateRootForTools(config).stateDir, redisUrl: config.events.redisUrl });
  try {
    return await new ChatSession(sessions, target, sessionId, pollMs, events).run();
  } finally {
    await events.close();
    await sessions.client.connection.close();
  }
}

type Target = { address: string; namespace: string; taskQueue: string };

/** One terminal chat: lines in, replies out, a live status line while turns run. */
class ChatSession {
  private inFlight = 0;
  private stopping = false;
  private exitArmed = false;
  private closed = false;
  private leaving = false;
  private readonly tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
  private readonly progress: ProgressLine;
  private readonly watcher: WaitWatcher;
  private readonly stream: ChatStream;
  /** The turn of the message being answered now (its tokens replace the status line). */
  private currentTurn: string | undefined;
  private rl: Interface | undefined;
  /** Aborts this client's own calls (a pending reply, a status poll) when the chat is left. */
  private readonly calls = new AbortController();
  private leave: (code: number) => void = () => undefined;
  private readonly approvals: ApprovalPrompt;

  constructor(
    private readonly sessions: SessionClient,
    private readonly target: Target,
    private readonly sessionId: string,
    pollMs: number,
    private readonly events: SessionEventStore,
  ) {
    // The SDK adds one listener per call made under the signal and never removes them.
    setMaxListeners(0, this.calls.signal);
    const client = sessions.client;
    this.progress = new ProgressLine(
      async () => {
        const status = await client.withDeadline(Date.now() + 5_000, () => this.sessions.status(this.sessionId));
        // The status also lists tool calls waiting for approval: one poll serves both.
        if (status?.approvals) this.approvals.offer(status.approvals);
        return status;
      },
      pollMs,
      this.tty,
      () => this.currentTurn !== undefined && this.stream.streaming(this.currentTurn),
    );
    this.stream = new ChatStream(
      { stdout: (text) => process.stdout.write(text), stderr: (line) => console.error(line) },
      () => {
        this.progress.clear();
        // Idle at the prompt: write over it, and show it again afterwards (see follow()).
        if (this.tty && this.inFlight === 0) process.stdout.write('\r\x1b[K');
      },
    );
    const approvals = new ApprovalsClient(client, target.taskQueue);
    this.approvals = new ApprovalPrompt((input) => client.withAbortSignal(this.calls.signal, () => approvals.decide(input)), {
      asking: () => this.progress.stop(),
      done: () => {
        if (this.inFlight > 0) this.progress.start();
      },
      say: (line) => this.say(line),
    });
    this.watcher = new WaitWatcher({
      ...target,
      client,
      workflowId: sessions.workflowId(sessionId),
      report: (line) => this.say(line),
    });
  }

  async run(): Promise<number> {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: this.tty });
    this.rl = rl;
    const following = this.follow();
    const left = new Promise<number>((resolve) => {
      this.leave = (code) => {
        if (this.leaving) return;
        this.leaving = true;
        resolve(code);
      };
    });
    rl.on('close', () => {
      this.closed = true;
      this.onInputEnd();
    });
    const onInterrupt = (): void => this.interrupt(rl);
    rl.on('SIGINT', onInterrupt); // terminal: readline turns Ctrl-C into this event
    process.on('SIGINT', onInterrupt); // piped input: a real signal
    console.error(`Session "${this.sessionId}" (workflow ${this.sessions.workflowId(this.sessionId)}). /help for commands, Ctrl-D to exit.`);
    rl.setPrompt(PROMPT);
    rl.prompt();
    rl.on('line', (line) => {
      this.exitArmed = false;
      // An open approval question takes the line as its answer.
      if (this.approvals.answer(line)) return;
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
      return await left;
    } finally {
      process.off('SIGINT', onInterrupt);
      this.calls.abort();
      this.approvals.stop();
      await following;
      this.watcher.stop();
      this.progress.stop();
      rl.close();
    }
  }

  /** Ctrl-D, /exit or the end of piped input. */
  private onInputEnd(): void {
    if (this.inFlight === 0) {
      this.leave(0);
      return;
    }
    if (this.tty) {
      // A person pressed Ctrl-D: leave now and say what goes on.
      void this.leaveRunning('Ctrl-D', 0);
      return;
    }
    // Piped input: the replies asked for are awaited (send() leaves when the last one is in),
    // unless nobody can answer them.
    this.leaveIfNoWorker();
  }

  private leaveIfNoWorker(): void {
    if (this.leaving || !this.closed || this.inFlight === 0) return;
    if (this.watcher.state().noWorker) {
      void this.leaveRunning('input ended and no worker is polling', EXIT_TIMED_OUT);
      return;
    }
    setTimeout(() => this.leaveIfNoWorker(), 250).unref();
  }

  private async leaveRunning(why: string, code: number): Promise<void> {
    if (this.leaving) return;
    this.progress.clear();
    const message = await stillRunningMessage(`Left the chat (${why})`, this.watcher.state(), {
      ...this.target,
      workflowId: this.sessions.workflowId(this.sessionId),
      ...sessionFollowUps(this.sessionId, this.target),
    });
    console.error(message);
    this.leave(code);
  }

  /** Shows the session's events from now on, until the chat is left. */
  private async follow(): Promise<void> {
    const signal = this.calls.signal;
    try {
      const after = await this.events.lastSeq(this.sessionId);
      for await (const event of this.events.follow(this.sessionId, after, signal)) {
        if (this.leaving) return;
        this.stream.handle(event);
        const idle = this.inFlight === 0 && !this.closed;
        if (idle && this.tty && (event.type === 'message' || event.type === 'async_reply')) this.rl?.prompt(true);
      }
    } catch (error) {
      if (signal.aborted || this.leaving) return;
      this.progress.clear();
      console.error(`warning: the session's event stream cannot be read (${errorText(error)}); answers appear when complete.`);
    }
  }

  private async send(text: string, rl: Interface): Promise<void> {
    this.inFlight += 1;
    // A fresh id per line: a retried send is answered once. Its turn id names the turn's events.
    const messageId = randomUUID();
    const turnId = sessionTurnId(this.sessions.workflowId(this.sessionId), messageId);
    this.stream.expect(turnId);
    this.currentTurn = turnId;
    this.progress.start();
    this.watcher.start();
    this.approvals.start();
    try {
      const reply = await this.sessions.client.withAbortSignal(this.calls.signal, () =>
        this.sessions.send(this.sessionId, text, { messageId }),
      );
      if (this.leaving) return;
      this.progress.clear();
      const tag = reply.status === 'completed' || reply.status === 'command' ? '' : `(${reply.status}) `;
      this.stream.finish(turnId, reply.content, tag);
    } catch (error) {
      if (this.leaving) return;
      this.progress.clear();
      this.stream.endLine();
      console.error(`error: ${errorText(error)}`);
    } finally {
      if (this.currentTurn === turnId) this.currentTurn = undefined;
      this.inFlight -= 1;
      if (this.inFlight === 0 && !this.leaving) {
        this.approvals.stop();
        this.progress.stop();
        this.watcher.stop();
        this.stopping = false;
        if (this.closed) this.leave(0);
        else rl.prompt();
      }
    }
  }

  private interrupt(rl: Interface): void {
    if (this.leaving) return;
    if (this.inFlight > 0) {
      if (this.stopping) {
        // A second Ctrl-C while the stop is on its way: leave, the turn goes on in the session.
        void this.leaveRunning('Ctrl-C', EXIT_INTERRUPTED);
        return;
      }
      this.stopping = true;
      this.progress.clear();
      if (this.watcher.state().noWorker) {
        console.error(
          `No worker is polling task queue "${this.target.taskQueue}", so /stop cannot reach the session now. ` +
            'Ctrl-C again to leave (the session keeps your message).',
        );
        return;
      }
      console.error('Stopping… (/stop; Ctrl-C again to leave without waiting)');
      const client = this.sessions.client;
      client
        .withAbortSignal(this.calls.signal, () => client.withDeadline(Date.now() + STOP_DEADLINE_MS, () => this.sessions.stop(this.sessionId)))
        .then(
          (reply) => {
            if (!this.leaving) console.error(reply.content);
          },
          (error: unknown) => {
            if (!this.leaving) console.error(`error: could not stop: ${errorText(error)}. Ctrl-C again to leave.`);
          },
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

  /** A line from the watcher, without tearing the status line. */
  private say(line: string): void {
    if (this.leaving) return;
    this.progress.clear();
    console.error(line);
  }
}

/** Polls the session status and shows what the running turn does, on one line (or a line per change). */
class ProgressLine {
  private timer: NodeJS.Timeout | undefined;
  private shown = '';
  /** Local clock base per turn, so the elapsed time advances between workflow activations. */
  private base: { turnId: string; at: number } | undefined;
  private frame = 0;
  private polling = false;

  constructor(
    private readonly status: () => Promise<SessionStatus | undefined>,
    private readonly pollMs: number,
    private readonly tty: boolean,
    /** True while the answer's tokens are on screen: the status line then stays away. */
    private readonly quiet: () => boolean = () => false,
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
    // One poll at a time: with no worker a status query waits for its deadline.
    if (this.polling) return;
    this.polling = true;
    let status: SessionStatus | undefined;
    try {
      status = await this.status();
    } catch {
      return; // a missed poll is not worth a message
    } finally {
      this.polling = false;
    }
    if (!this.timer || this.quiet()) return;
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
