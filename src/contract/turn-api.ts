// The public surface of AgentTurnWorkflow besides its input: its result and its status query.
import type { TurnProgress, TurnResult, Usage } from '../core/index.js';
import { queryDefinition } from './definitions.js';
import type { InputDialect } from './reference-input.js';

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
  /** The reference's spelling of `finalContent`: present when the input came in the reference's shape. */
  final_content?: string;
  /** The reference's spelling of `toolsUsed`: present when the input came in the reference's shape. */
  tools_used?: string[];
}

/**
 * The result in the shape the input came in: a turn started with the reference's input also
 * carries the reference's keys, so a Python client decoding into its `TurnOutput` finds them
 * (it ignores the others), while ours keep reading `finalContent`. Native inputs get native keys
 * only, so their history does not hold the answer twice.
 */
export function inDialect(result: TurnWorkflowResult, dialect: InputDialect): TurnWorkflowResult {
  return dialect === 'reference' ? { ...result, final_content: result.finalContent, tools_used: result.toolsUsed } : result;
}

export type TurnStatus = { phase: 'starting' } | TurnProgress | { phase: 'done' };

export const turnStatusQuery = queryDefinition<TurnStatus>('status');
