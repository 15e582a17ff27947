import type { SessionEventStore } from '../../events/session-event-store.js';
import { StreamText } from '../../events/stream-text.js';
import type { Logger } from '../../logger.js';
import type { SessionClient } from '../../temporal/session-client.js';
import type { StreamedMessages } from '../streamed-messages.js';
import type { TelegramApi } from './telegram-api.js';
import { TelegramStreamedTurn } from './telegram-streamed-turn.js';

/** How often a follower asks whether its session still has work (it ends when not). */
const STATUS_EVERY_MS = 3000;
/** How long an inbound message waits for the stream's position before it goes on without streaming. */
const POSITION_WAIT_MS = 2000;
/** A session that streams nothing for this long is no longer followed. */
const QUIET_MS = 10 * 60 * 1000;

export interface TelegramStreamerOptions {
  api: TelegramApi;
  events: SessionEventStore;
  messages: StreamedMessages;
  sessions: SessionClient;
  intervalMs: number;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Follows a chat's session on the event stream while it has work, and shows each turn's text
 * as it is written (one TelegramStreamedTurn per turn). One follower per chat; it ends when the
 * session is idle with nothing queued. Runs in the channels process: the worker's delivery
 * activity later edits the same message into the final reply (StreamedMessages on the state root).
 */
export class TelegramStreamer {
  private readonly active = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly opts: TelegramStreamerOptions) {}

  /**
   * Where the session's stream ends now: taken before a message is queued, so none of its events
   * are missed. Undefined when the stream cannot say within a moment (Redis down): the message is
   * then queued without streaming rather than held up.
   */
  async position(sessionId: string): Promise<number | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), POSITION_WAIT_MS)));
    try {
      return await Promise.race([this.opts.events.lastSeq(sessionId).catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Follows the session from `after` unless its chat is already followed. */
  follow(sessionId: string, chatId: string, after: number): void {
    if (this.active.has(chatId) || this.opts.signal.aborted) return;
    this.active.add(chatId);
    const run = this.loop(sessionId, chatId, after)
      .catch((error: unknown) => {
        if (!this.opts.signal.aborted) this.opts.logger.warn({ chatId, err: error instanceof Error ? error.message : String(error) }, 'telegram streaming stopped');
      })
      .finally(() => {
        this.active.delete(chatId);
        this.running.delete(run);
      });
    this.running.add(run);
  }

  /** Waits for every follower to end (after the signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private async loop(sessionId: string, chatId: string, after: number): Promise<void> {
    const { events, sessions, signal } = this.opts;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const turns = new Map<string, { text: StreamText; view: TelegramStreamedTurn }>();
    /** Turns answered by the `message` tool: their later text is never delivered, so never shown. */
    const answered = new Set<string>();
    let lastEventAt = Date.now();
    const check = setInterval(() => {
      void (async () => {
        if (turns.size > 0) return;
        const status = await sessions.status(sessionId).catch(() => undefined);
        const idle = !status || (status.state === 'idle' && status.pending === 0);
        if (idle || Date.now() - lastEventAt > QUIET_MS) stop.abort();
      })();
    }, STATUS_EVERY_MS);
    try {
      for await (const event of events.follow(sessionId, after, stop.signal)) {
        lastEventAt = Date.now();
        if ((event.type === 'delta' || event.type === 'stream_restarted') && !answered.has(event.turnId)) {
          let turn = turns.get(event.turnId);
          if (!turn) {
            turn = { text: new StreamText(), view: new TelegramStreamedTurn(`${event.turnId}/reply`, chatId, this.opts) };
            turns.set(event.turnId, turn);
          }
          turn.text.apply(event);
          turn.view.show(turn.text.text());
        } else if (event.type === 'message' && event.turnId && event.channel === 'telegram' && event.chatId === chatId && !event.fromSessionId) {
          // The message tool answered this chat: the turn's reply is not sent (docs/channels.md).
          answered.add(event.turnId);
          await turns.get(event.turnId)?.view.discard();
          turns.delete(event.turnId);
        } else if ((event.type === 'reply' || event.type === 'turn_finished') && event.turnId) {
          const turn = turns.get(event.turnId);
          turn?.view.finish();
          turns.delete(event.turnId);
          if (turn) await turn.view.idle();
        }
      }
    } finally {
      clearInterval(check);
      signal.removeEventListener('abort', onAbort);
      for (const turn of turns.values()) turn.view.finish();
      await Promise.all([...turns.values()].map((turn) => turn.view.idle()));
    }
  }
}
