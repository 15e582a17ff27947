import type { BenchActivities } from '../workflows/bench-workflows.js';

/** The no-op activity behind benchEmptyActivitiesWorkflow: the cheapest possible round trip. */
export function createBenchActivities(): BenchActivities {
  return { benchNoop: () => Promise.resolve() };
}
