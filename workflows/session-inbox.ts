// A session's messages: the arrival-ordered queue, the one running message, and the recent
// replies that make sends idempotent. Plain deterministic state (no Temporal APIs), so it runs
// in the workflow sandbox and is carried across continue-as-new as data.
import type { QueuedMessage, SessionMessage, SessionReply } from '../src/contract/index.js';

export type AcceptResult =
  | { kind: 'queued'; message: QueuedMessage }
  /** Seen before: `reply` when it was answered already, else it is queued or running. */
  | { kind: 'duplicate'; messageId: string; reply?: SessionReply };

export const DEFAULT_REPLY_BUDGET_CHARS = 256_000;
export const EXPIRED_REPLY = '(This message was answered earlier; the reply is too old to repeat.)';

export interface InboxSnapshot {
  pending: QueuedMessage[];
  recent: SessionReply[];
  messageSeq: number;
}

export class SessionInbox {
  private readonly pending: QueuedMessage[];
  /** messageId → reply, oldest first (Map keeps insertion order). */
  private readonly recent = new Map<string, SessionReply>();
  private readonly waiters = new Map<string, ((reply: SessionReply) => void)[]>();
  private running: QueuedMessage | undefined;
  private seq: number;
  private dropped = 0;
  private readonly maxRecent: number;
  private readonly maxPending: number;

  constructor(snapshot: InboxSnapshot, limits: { maxRecent: number; maxPending: number }) {
    this.maxRecent = limits.maxRecent;
    this.maxPending = limits.maxPending;
    this.pending = [...snapshot.pending];
    for (const reply of snapshot.recent) this.recent.set(reply.messageId, reply);
    this.seq = snapshot.messageSeq;
  }

  /**
   * Whether `accept` would take the message: the queue is bounded, so a flood of messages is
   * refused (an update with an error, a signal logged and counted) instead of growing forever.
   * A repeated id is always accepted: it queues nothing.
   */
  canAccept(message: SessionMessage): boolean {
    if (this.pending.length < this.maxPending) return true;
    const id = message.messageId;
    return id !== undefined && (this.recent.has(id) || this.running?.messageId === id || this.pending.some((m) => m.messageId === id));
  }

  /** Counts a message refused because the queue was full (never from an update validator: those must not change state). */
  refuse(): void {
    this.dropped += 1;
  }

  /** Messages refused because the queue was full (in this run). */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Queues a message unless its id was seen (queued, running or recently answered). */
  accept(message: SessionMessage, newId: () => string): AcceptResult {
    const messageId = message.messageId ?? newId();
    const answered = this.recent.get(messageId);
    if (answered) return { kind: 'duplicate', messageId, reply: answered };
    if (this.running?.messageId === messageId || this.pending.some((m) => m.messageId === messageId)) {
      return { kind: 'duplicate', messageId };
    }
    const queued: QueuedMessage = {
      messageId,
      seq: this.seq++,
      text: message.text,
      origin: message.origin,
      ...(message.channel !== undefined ? { channel: message.channel } : {}),
      ...(message.chatId !== undefined ? { chatId: message.chatId } : {}),
      ...(message.media !== undefined ? { media: message.media } : {}),
      ...(message.pluginContext !== undefined ? { pluginContext: message.pluginContext } : {}),
      ...(message.source !== undefined ? { source: message.source } : {}),
    };
    this.pending.push(queued);
    return { kind: 'queued', message: queued };
  }

  /** The reply already given to `messageId`, if it is still remembered. */
  answered(messageId: string): SessionReply | undefined {
    return this.recent.get(messageId);
  }

  /** The reply to `messageId`, once there is one. */
  reply(messageId: string): Promise<SessionReply> {
    const done = this.recent.get(messageId);
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => {
      const list = this.waiters.get(messageId) ?? [];
      list.push(resolve);
      this.waiters.set(messageId, list);
    });
  }

  /** Records an answer (also for commands with an id), wakes its waiters, forgets the oldest. */
  complete(reply: SessionReply): void {
    this.recent.delete(reply.messageId);
    this.recent.set(reply.messageId, reply);
    while (this.recent.size > this.maxRecent) {
      const oldest = this.recent.keys().next().value as string;
      this.recent.delete(oldest);
    }
    const waiting = this.waiters.get(reply.messageId) ?? [];
    this.waiters.delete(reply.messageId);
    for (const resolve of waiting) resolve(reply);
  }

  /** Takes the next message to run, in arrival order. */
  start(): QueuedMessage | undefined {
    const next = this.pending.shift();
    this.running = next;
    return next;
  }

  finish(): void {
    this.running = undefined;
  }

  get current(): QueuedMessage | undefined {
    return this.running;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Someone (a `chat` update) waits for a queued message: it must be answered in this run. */
  hasAwaitedPending(): boolean {
    return this.pending.some((m) => this.waiters.has(m.messageId));
  }

  /** Drops every queued message, answering each with `replyFor`; returns how many. */
  dropPending(replyFor: (message: QueuedMessage) => SessionReply): number {
    const dropped = this.pending.splice(0, this.pending.length);
    for (const message of dropped) this.complete(replyFor(message));
    return dropped.length;
  }

  /**
   * State for the next run. Replies are kept whole, newest first, up to `replyBudgetChars`;
   * older ones keep their id (still deduplicated) but not their text, so the carried input stays
   * far below Temporal's payload limit.
   */
  snapshot(replyBudgetChars = DEFAULT_REPLY_BUDGET_CHARS): InboxSnapshot {
    let budget = replyBudgetChars;
    const recent = [...this.recent.values()]
      .reverse()
      .map((reply) => {
        budget -= reply.content.length;
        return budget >= 0 ? reply : { ...reply, content: EXPIRED_REPLY };
      })
      .reverse();
    return { pending: [...this.pending], recent, messageSeq: this.seq };
  }
}
