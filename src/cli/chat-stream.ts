import type { SessionEvent } from '../contract/session-events.js';
import { StreamText } from '../events/stream-text.js';

/** Where the chat writes: answers to stdout, what happens meanwhile to stderr. */
export interface ChatOutput {
  stdout(text: string): void;
  stderr(line: string): void;
}

interface OwnTurn {
  text: StreamText;
  /** The model call whose text is on screen now. */
  shownStep?: string;
  /** Set once the reply was printed: later events of the turn are not shown. */
  done: boolean;
}

const ASYNC_LABELS: Record<string, string> = { cron: 'cron', heartbeat: 'heartbeat', subagent: 'subagent', system: 'system' };

/**
 * What `chat` shows of the session's event stream: the tokens of its own turns as they arrive
 * (a restarted model call starts its text again on a fresh line, never mixed with the dead
 * attempt's), their tool calls and progress, and — also while idle — messages from the `message`
 * tool and the replies of cron jobs, the heartbeat and subagents.
 */
export class ChatStream {
  private readonly turns = new Map<string, OwnTurn>();
  /** A streamed line is open on stdout (no newline yet). */
  private lineOpen = false;

  constructor(
    private readonly out: ChatOutput,
    /** Called before anything is written, e.g. to clear a status line or the prompt. */
    private readonly beforeWrite: () => void = () => undefined,
  ) {}

  /** A turn this chat started (its text and tools are shown). */
  expect(turnId: string): void {
    this.turns.set(turnId, { text: new StreamText(), done: false });
  }

  /** True once a token of the turn was shown (the status line then gives way to the text). */
  streaming(turnId: string): boolean {
    return this.turns.get(turnId)?.shownStep !== undefined;
  }

  handle(event: SessionEvent): void {
    const turn = 'turnId' in event && event.turnId ? this.turns.get(event.turnId) : undefined;
    switch (event.type) {
      case 'delta':
      case 'stream_restarted': {
        if (!turn || turn.done) return;
        const change = turn.text.apply(event);
        if (!change) return;
        if ('restart' in change) {
          this.write(() => {
            this.endLine();
            this.out.stderr(`(the model call was interrupted and restarted, attempt ${event.attempt}; its answer again:)`);
            turn.shownStep = event.step;
            this.streamText(turn.text.text(event.step));
          });
          return;
        }
        this.write(() => {
          if (turn.shownStep !== event.step) this.endLine();
          turn.shownStep = event.step;
          this.streamText(change.append);
        });
        return;
      }
      case 'tool_started':
        if (turn && !turn.done) this.line(() => this.out.stderr(`… ${event.name}${event.firstArg ? `: ${event.firstArg}` : ''}`));
        return;
      case 'tool_finished':
        if (turn && !turn.done) this.line(() => this.out.stderr(event.isError ? `  ✗ ${event.name}: ${event.preview}` : `  ✓ ${event.name}`));
        return;
      case 'progress':
        if (turn && !turn.done && event.phase === 'tool' && event.detail) this.line(() => this.out.stderr(`  │ ${event.detail}`));
        return;
      case 'message': {
        const from = event.fromSessionId ? ` from ${event.fromSessionId}` : '';
        this.line(() => this.out.stdout(`[message${from}] ${event.content}\n`));
        return;
      }
      case 'async_reply':
        this.line(() => this.out.stdout(`[${ASYNC_LABELS[event.source] ?? event.source}] ${event.content}\n`));
        return;
      default:
        return; // replies come back through Temporal; unknown types are for newer readers
    }
  }

  /**
   * The reply of an own turn arrived (through Temporal): prints what the stream has not shown
   * of it yet — the rest of a streamed answer, or the whole answer on a line of its own.
   */
  finish(turnId: string | undefined, content: string, tag: string): void {
    const turn = turnId ? this.turns.get(turnId) : undefined;
    if (turnId) this.turns.delete(turnId);
    if (turn) turn.done = true;
    const shown = turn?.shownStep ? turn.text.text(turn.shownStep) : '';
    if (this.lineOpen && !tag && shown && content.startsWith(shown)) {
      this.out.stdout(`${content.slice(shown.length)}\n`);
      this.lineOpen = false;
      return;
    }
    this.endLine();
    if (content || tag) this.out.stdout(`${tag}${content}\n`);
  }

  /** Ends a streamed line before something else is written. */
  endLine(): void {
    if (!this.lineOpen) return;
    this.out.stdout('\n');
    this.lineOpen = false;
  }

  private streamText(text: string): void {
    if (!text) return;
    this.out.stdout(text);
    this.lineOpen = true;
  }

  private write(fn: () => void): void {
    if (!this.lineOpen) this.beforeWrite();
    fn();
  }

  private line(fn: () => void): void {
    this.write(() => {
      this.endLine();
      fn();
    });
  }
}
