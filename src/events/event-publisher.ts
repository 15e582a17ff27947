import type { AsyncReplyEvent, MessageEvent, SessionEvent, SessionEventBody } from '../contract/session-events.js';
import type { Logger } from '../logger.js';
import type { SessionEventStore } from './session-event-store.js';

/**
 * A `message` or `async_reply` as stored in a session's stream, handed to every delivery hook
 * after it was stored. Channel adapters register a hook to send it to their platform too.
 */
export interface OutboundDelivery {
  /** The session whose stream it went to. */
  sessionId: string;
  event: SessionEvent & (MessageEvent | AsyncReplyEvent);
}

/**
 * Node-side hook for channel adapters: called on the worker that published the event, at least
 * once per stored event (a retried tool call may call it again: key on `sessionId` + `event.seq`,
 * or on the event's turn and text). A hook that throws is logged; it never fails the turn.
 */
export type DeliveryHook = (delivery: OutboundDelivery) => Promise<void> | void;

/**
 * What workers publish through: stores the event, then tells the delivery hooks about messages
 * and asynchronous replies. Publishing never fails the work it reports on; a store that is away
 * costs the readers events, not the turn its answer.
 */
export class EventPublisher {
  private readonly hooks: DeliveryHook[] = [];
  private lastWarning = 0;

  constructor(
    readonly store: SessionEventStore,
    private readonly log: Logger,
  ) {}

  /** Adds a delivery hook (channel adapters); returns a function that removes it. */
  onDelivery(hook: DeliveryHook): () => void {
    this.hooks.push(hook);
    return () => {
      const index = this.hooks.indexOf(hook);
      if (index >= 0) this.hooks.splice(index, 1);
    };
  }

  async publish(sessionId: string, body: SessionEventBody): Promise<SessionEvent | undefined> {
    let event: SessionEvent;
    try {
      event = await this.store.append(sessionId, body);
    } catch (error) {
      // One line a minute at most: a store that is away would otherwise log every token.
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.log.warn({ err: error, sessionId, type: body.type, backend: this.store.kind }, 'could not publish to the session event stream; readers miss events until it is back');
      }
      return undefined;
    }
    if (event.type === 'message' || event.type === 'async_reply') {
      for (const hook of this.hooks) {
        try {
          await hook({ sessionId, event });
        } catch (error) {
          this.log.warn({ err: error, sessionId, seq: event.seq, type: event.type }, 'a delivery hook failed');
        }
      }
    }
    return event;
  }
}
