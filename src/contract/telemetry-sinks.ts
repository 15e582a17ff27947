import type { TurnStopReason } from '../core/index.js';
import type { SessionEventBody } from './session-events.js';

/**
 * How a turn ended, as counted in `exoclaw_turns_total{stop_reason}`: the loop's own stop
 * reasons, plus a turn that failed (an activity gave up) or was cancelled (/stop, workflow cancel).
 */
export type TurnEndReason = TurnStopReason | 'failed' | 'cancelled';

/**
 * Workflow → worker calls that are not part of history (Temporal sinks): workers register them,
 * workflows call them, and replays do not call them again, so a turn is counted once.
 * `exporter` is the OpenTelemetry workflow interceptors' own sink for workflow spans.
 */
export type ExoclawSinks = {
  exoclawMetrics: {
    turnEnded(report: { stopReason: TurnEndReason }): void;
  };
  /** The session event stream: turn starts, phases, replies (no history, and not again on replay). */
  exoclawEvents: {
    publish(sessionId: string, event: SessionEventBody): void;
  };
};
