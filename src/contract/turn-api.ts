// The public surface of AgentTurnWorkflow besides its input: its result and its status query.
import type { TurnProgress, TurnResult, Usage } from '../core/index.js';
import { queryDefinition } from './definitions.js';

export interface TurnWorkflowResult {
  finalContent: string;
  toolsUsed: string[];
  iterations: number;
  usage: Usage;
  stopReason: TurnResult['stopReason'];
  /** A tool already delivered the reply (e.g. `message`). */
  suppressReply: boolean;
  sessionId: string;
  turnId: string;
}

export type TurnStatus = { phase: 'starting' } | TurnProgress | { phase: 'done' };

export const turnStatusQuery = queryDefinition<TurnStatus>('status');
