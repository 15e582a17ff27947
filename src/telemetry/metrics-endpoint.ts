import { agentMetrics, type AgentMetrics } from './agent-metrics.js';
import { fetchCoreMetrics } from './core-metrics.js';

export interface MetricsExposition {
  contentType: string;
  body: string;
}

/**
 * What GET /metrics on a worker's health port answers: the agent's series and Node's process
 * series, then Temporal's worker series proxied from Core's exporter on loopback (the URL may be
 * a getter: it is known once the Temporal runtime is installed).
 */
export function workerMetricsSource(
  opts: { coreMetricsUrl?: string | (() => string | undefined); metrics?: AgentMetrics } = {},
): () => Promise<MetricsExposition> {
  const metrics = opts.metrics ?? agentMetrics;
  metrics.enableProcessMetrics();
  return async () => {
    const [own, core] = await Promise.all([metrics.text(), fetchCoreMetrics(typeof opts.coreMetricsUrl === 'function' ? opts.coreMetricsUrl() : opts.coreMetricsUrl)]);
    return { contentType: metrics.contentType, body: `${own.trimEnd()}\n${core}` };
  };
}
