/** The workflow type names workers register and clients start (stable: part of the wire contract). */
export const TURN_WORKFLOW_TYPE = 'AgentTurnWorkflow';
export const SESSION_WORKFLOW_TYPE = 'AgentSessionWorkflow';
export const SUBAGENT_WORKFLOW_TYPE = 'SessionSubagentWorkflow';
export const SCHEDULED_MESSAGE_WORKFLOW_TYPE = 'ScheduledMessageWorkflow';
