import { ApplicationFailure } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { ActivityDeps } from './activity-deps.js';

/**
 * Keeps the turn's session lease alive while a long activity runs. A lease lives a few minutes
 * and a tool may run for hours: without renewal another turn for the session could take the
 * lease mid-tool and write its turn into the log first. Renews now, then every third of the TTL.
 */
export async function keepSessionLease(
  deps: Pick<ActivityDeps, 'leases' | 'logger'>,
  sessionId: string,
  turnId: string,
): Promise<{ stop(): void }> {
  const renew = async (): Promise<void> => {
    try {
      if (!(await deps.leases.renew(sessionId, turnId))) {
        deps.logger.warn({ sessionId, turnId }, 'session lease is no longer held by this turn; another turn may be writing');
      }
    } catch (error) {
      deps.logger.warn({ sessionId, turnId, err: error }, 'could not renew the session lease');
    }
  };
  await renew();
  const timer = setInterval(() => void renew(), Math.max(100, Math.floor(deps.leases.ttlMs / 3)));
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The retryable failure of a step that found its session held by another turn. */
export function sessionBusy(sessionId: string, holderTurnId: string, what: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'SessionBusy',
    message: `Session ${sessionId} is busy with turn ${holderTurnId}; ${what}.`,
    nextRetryDelay: 500,
    // Waiting is expected, not an error: logged at DEBUG and kept out of failure metrics.
    category: ApplicationFailureCategory.BENIGN,
  });
}
