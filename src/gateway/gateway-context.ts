import type { SessionStore } from '../conversation/session-store.js';
import type { SessionEventStore } from '../events/session-event-store.js';
import type { ApprovalsClient } from '../temporal/approvals-client.js';
import type { SessionClient } from '../temporal/session-client.js';
import type { EventFanout } from './event-fanout.js';
import type { StreamSlots } from './rate-limiter.js';

/** The limits a gateway enforces (config `gateway.*`, docs/gateway.md). */
export interface GatewayLimits {
  rateLimitPerMinute: number;
  maxStreamsPerToken: number;
  bodyLimitBytes: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  replyWaitMs: number;
}

/** What every route needs. Nothing here is per-process state a second replica would miss. */
export interface GatewayContext {
  sessions: SessionClient;
  events: SessionEventStore;
  /** Shares one follower per session among this process's readers. */
  fanout: EventFanout;
  /** Tool calls waiting for a person, on the same task queue as `sessions`. */
  approvals: ApprovalsClient;
  /** Session logs in the state root: the session list and history. */
  sessionStore: SessionStore;
  streams: StreamSlots;
  limits: GatewayLimits;
  /** Aborts when the gateway shuts down, so open streams end. */
  stopping: AbortSignal;
  /** The model new sessions use, shown by GET /v1/models. */
  model: string;
}
