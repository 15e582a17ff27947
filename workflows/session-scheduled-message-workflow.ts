import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DeliveryResult, SessionActivities } from '../activities/session-activities.js';
import { SCHEDULED_MESSAGE_WORKFLOW_TYPE, ScheduledMessageInput } from '../src/contract/index.js';
import { parseWorkflowInput } from './parse-workflow-input.js';

const { deliverScheduledMessage } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2, maximumAttempts: 20 },
});

/**
 * What a session schedule starts each time it fires (schedules can only start workflows): it
 * delivers one message to the session through signal-with-start, so a session that ended while
 * idle starts again. Its workflow id, unique per firing, is the message id: a retried delivery
 * is answered once.
 */
export async function ScheduledMessageWorkflow(rawInput: unknown): Promise<DeliveryResult> {
  const input = parseWorkflowInput(ScheduledMessageInput, rawInput, SCHEDULED_MESSAGE_WORKFLOW_TYPE);
  return deliverScheduledMessage({ ...input, messageId: workflowInfo().workflowId });
}
