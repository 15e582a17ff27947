// Every series a worker's /metrics can be relied on to expose: what the Grafana dashboard
// (k8s/grafana/exoclaw-dashboard.json) may query, checked statically against this list
// (test/static/grafana-dashboard.test.ts) and against a real worker's /metrics after real turns
// (test/telemetry/worker-telemetry.test.ts).
import { AGENT_METRICS, seriesNames } from './agent-metrics.js';

/**
 * Temporal's worker series we use, as the SDK core names them with the Prometheus options set in
 * core-metrics.ts (_total counters, _seconds durations). Core has more; these are the ones worth a panel.
 */
export const TEMPORAL_WORKER_SERIES = [
  'temporal_worker_task_slots_available',
  'temporal_worker_task_slots_used',
  'temporal_num_pollers',
  'temporal_sticky_cache_size',
  'temporal_workflow_completed_total',
  'temporal_workflow_failed_total',
  'temporal_workflow_task_schedule_to_start_latency_seconds_bucket',
  'temporal_workflow_task_execution_latency_seconds_bucket',
  'temporal_activity_schedule_to_start_latency_seconds_bucket',
  'temporal_activity_execution_latency_seconds_bucket',
  'temporal_activity_execution_failed_total',
] as const;

/** Node's process series (prom-client's defaults) that the dashboard uses. */
export const NODE_PROCESS_SERIES = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_heap_size_used_bytes',
  'nodejs_eventloop_lag_p99_seconds',
] as const;

/** The agent's own series, histograms expanded to _bucket/_sum/_count. */
export function agentSeries(): string[] {
  return AGENT_METRICS.flatMap((metric) => seriesNames(metric));
}

/** Everything a dashboard query may name. */
export function exportedSeries(): Set<string> {
  return new Set([...agentSeries(), ...TEMPORAL_WORKER_SERIES, ...NODE_PROCESS_SERIES]);
}
