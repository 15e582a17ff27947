// Temporal's own worker metrics (task slots, poll and schedule-to-start latencies, sticky cache,
// activity and workflow outcomes) come from the SDK's Rust core, which can serve them in the
// Prometheus format on an address of its own. A worker process binds that exporter to a free
// loopback port and its health server proxies it into the one /metrics endpoint, beside the
// agent's series: one port to open and one scrape target per pod (the prometheus.io/port
// annotation names a single port).
import { createServer } from 'node:net';
import type { RuntimeOptions } from '@temporalio/worker';

/** What Runtime.install needs for Core's Prometheus exporter on `bindAddress`. */
export function coreMetricsTelemetry(bindAddress: string): NonNullable<RuntimeOptions['telemetryOptions']> {
  return {
    metrics: {
      // Prometheus naming conventions: counters end in _total, durations are *_seconds.
      prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
    },
  };
}

/** A free TCP port on 127.0.0.1 (Core needs a concrete address; it cannot report the port of :0). */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Core's exporter on a free loopback port: pass `telemetry` to Runtime.install, fetch `url`. */
export async function loopbackCoreMetrics(): Promise<{ telemetry: ReturnType<typeof coreMetricsTelemetry>; url: string }> {
  const port = await freeLoopbackPort();
  return { telemetry: coreMetricsTelemetry(`127.0.0.1:${port}`), url: `http://127.0.0.1:${port}/metrics` };
}

/** Core's exposition text, or a comment saying why it is missing (a scrape never fails because of it). */
export async function fetchCoreMetrics(url: string | undefined): Promise<string> {
  if (!url) return '# Temporal worker metrics: not available in this process (the Temporal runtime was set up elsewhere).\n';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return `# Temporal worker metrics: ${url} answered ${response.status}.\n`;
    return await response.text();
  } catch (error) {
    return `# Temporal worker metrics: ${url} unreachable (${(error as Error).message}).\n`;
  }
}
