import type { SessionEvent, SessionEventBody } from '../contract/session-events.js';

/**
 * One session's ordered, resumable event stream, shared by every worker and reader. Writers
 * append (the store numbers events 1, 2, 3 … per session, unique and without gaps even when a
 * turn and a schedule's reply write at once); readers read what came after a sequence number,
 * then follow live events.
 */
export interface SessionEventStore {
  /** Which backend this is, for logs and the ready line: `file` or `redis`. */
  readonly kind: 'file' | 'redis';
  /** Stores one event and returns it with its sequence number. */
  append(sessionId: string, event: SessionEventBody): Promise<SessionEvent>;
  /** Events with `seq > after`, oldest first (at most `limit`, default all kept). */
  read(sessionId: string, after?: number, opts?: { limit?: number }): Promise<SessionEvent[]>;
  /** Everything after `after`, then live events as they are stored, until `signal` aborts (then it just ends). */
  follow(sessionId: string, after: number, signal: AbortSignal): AsyncIterable<SessionEvent>;
  /** The last sequence number stored for the session (0 when none). */
  lastSeq(sessionId: string): Promise<number>;
  /** Drops events stored before `cutoff` (ms since epoch), keeping each session's last one so numbering goes on. */
  trim(cutoff: number, opts?: { dryRun?: boolean }): Promise<TrimResult>;
  close(): Promise<void>;
}

export interface TrimResult {
  /** Sessions whose stream lost events. */
  sessions: number;
  /** Events removed (or that would be, on a dry run). */
  removedEvents: number;
}

/** Publishing never fails the work it reports on: a store error is logged by the caller's `onError`. */
export type PublishEvent = (sessionId: string, event: SessionEventBody) => Promise<void>;
