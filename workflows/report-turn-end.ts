import { proxySinks } from '@temporalio/workflow';
import type { ExoclawSinks, TurnEndReason } from '../src/contract/index.js';

const { exoclawMetrics } = proxySinks<ExoclawSinks>();

/** Counts the turn in the worker's metrics. A sink call: no command, no history, skipped on replay. */
export function reportTurnEnd(stopReason: TurnEndReason): void {
  exoclawMetrics.turnEnded({ stopReason });
}
