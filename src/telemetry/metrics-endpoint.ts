import { agentMetrics, type AgentMetrics } from './agent-metrics.js';
import { fetchCoreMetrics } from './core-metrics.js';

export interface MetricsExposition {
  contentType: string;
  body: string;
}

/**
 * What GET /metrics on a worker's health port answers: the agent's series and Node's process
 * series, then Temporal's worker series proxied from Core's exporter on loopback.
 */
export function workerMetricsSource(opts: { coreMetricsUrl?: string; metrics?: AgentMetrics } = {}): () => Promise<MetricsExposition> {
  const metrics = opts.metrics ?? agentMetrics;
  metrics.enableProcessMetrics();
  return async () => {
    const [own, core] = await Promise.all([metrics.text(), fetchCoreMetrics(opts.coreMetricsUrl)]);
    return { contentType: metrics.contentType, body: `${own.trimEnd()}\n${core}` };
  };
}
