// Where the time of one activity round trip goes, read from the event timestamps the server
// wrote: waiting for a workflow task, running it on the worker, running the activity.
import type proto from '@temporalio/proto';
import { median } from './stats.js';

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface RoundTripBreakdown {
  /** workflow task scheduled → started (server dispatch to the worker's poll) */
  workflowTaskWaitMs: number;
  /** workflow task started → completed (the worker runs the workflow code and answers) */
  workflowTaskRunMs: number;
  /** activity scheduled → completed (dispatch, the no-op, and the completion call) */
  activityMs: number;
}

/** Medians over every workflow task and activity in the history. */
export function roundTripBreakdown(history: History): RoundTripBreakdown {
  const wait: number[] = [];
  const run: number[] = [];
  const activity: number[] = [];
  const scheduledAt = new Map<string, number>();
  let workflowTaskScheduled: number | undefined;
  let workflowTaskStarted: number | undefined;
  for (const event of history.events ?? []) {
    const at = eventMs(event);
    if (event.workflowTaskScheduledEventAttributes) workflowTaskScheduled = at;
    else if (event.workflowTaskStartedEventAttributes) {
      if (workflowTaskScheduled !== undefined) wait.push(at - workflowTaskScheduled);
      workflowTaskStarted = at;
    } else if (event.workflowTaskCompletedEventAttributes && workflowTaskStarted !== undefined) {
      run.push(at - workflowTaskStarted);
    } else if (event.activityTaskScheduledEventAttributes) {
      scheduledAt.set(String(event.eventId), at);
    } else if (event.activityTaskCompletedEventAttributes) {
      const from = scheduledAt.get(String(event.activityTaskCompletedEventAttributes.scheduledEventId));
      if (from !== undefined) activity.push(at - from);
    }
  }
  const med = (xs: number[]): number => (xs.length > 0 ? median(xs) : 0);
  return { workflowTaskWaitMs: med(wait), workflowTaskRunMs: med(run), activityMs: med(activity) };
}

function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + (time?.nanos ?? 0) / 1e6;
}
