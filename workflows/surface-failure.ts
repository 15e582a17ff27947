import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** An activity's final failure is rethrown with its own message, so callers read the real reason. */
export function surfaceCause(error: unknown): unknown {
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: error.cause.message,
      type: error.cause.type ?? undefined,
      nonRetryable: true,
      details: error.cause.details as unknown[] | undefined,
    });
  }
  return error;
}

/** The readable reason of a failure (an activity's own message rather than "Activity task failed"). */
export function surfaceMessage(error: unknown): string {
  const surfaced = surfaceCause(error);
  return surfaced instanceof Error ? surfaced.message : String(surfaced);
}
