// The Grafana dashboard (k8s/grafana/exoclaw-dashboard.json) and the scrape annotations, checked
// without Grafana or Prometheus: every query names only series a worker exports (the list the
// metrics module exports; a real worker's /metrics is checked against the same list in
// test/telemetry/worker-telemetry.test.ts), every agent metric has a panel, and the annotations
// point Prometheus at the port and path the worker serves /metrics on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_METRICS } from '../../src/telemetry/agent-metrics.js';
import { exportedSeries } from '../../src/telemetry/metric-series.js';
import { METRICS_PATH } from '../../src/temporal/health-server.js';
import { loadManifests, ROOT, type Container, type PodSpec } from './manifests.js';
import { seriesInExpr } from './promql-series.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}

const DASHBOARD = join(ROOT, 'k8s', 'grafana', 'exoclaw-dashboard.json');
const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Queries naming a series the workers do not export, as "panel: series". */
function unknownSeries(exprs: { panel: string; expr: string }[]): string[] {
  const known = exportedSeries();
  return exprs.flatMap(({ panel, expr }) => seriesInExpr(expr).filter((s) => !known.has(s)).map((s) => `${panel}: ${s}`));
}

describe('the Grafana dashboard', () => {
  it('is a dashboard with a Prometheus datasource variable and unique panel ids', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels.filter((p) => p.type !== 'row')) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    }
    expect(queries.length).toBeGreaterThan(10);
  });

  it('queries only series the workers export', () => {
    expect(queries.every((q) => seriesInExpr(q.expr).length > 0)).toBe(true);
    expect(unknownSeries(queries)).toEqual([]);
  });

  it('has a panel for every agent metric', () => {
    const used = new Set(queries.flatMap((q) => seriesInExpr(q.expr)));
    const missing = AGENT_METRICS.filter((m) => ![m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`].some((s) => used.has(s)));
    expect(missing.map((m) => m.name)).toEqual([]);
  });

  it('the check catches a misspelt series, and reads PromQL right', () => {
    expect(unknownSeries([{ panel: 'typo', expr: 'sum by (model) (rate(exoclaw_model_call_total{outcome="ok"}[5m]))' }])).toEqual([
      'typo: exoclaw_model_call_total',
    ]);
    expect(
      seriesInExpr('histogram_quantile(0.95, sum by (le, tool) (rate(exoclaw_tool_duration_seconds_bucket{tool=~"exec|x"}[$__rate_interval]))) / on (tool) group_left sum(up)'),
    ).toEqual(['exoclaw_tool_duration_seconds_bucket', 'up']);
  });
});

describe('the worker Deployment is scraped where /metrics is served', () => {
  const worker = loadManifests().find((d) => d.kind === 'Deployment' && d.name === 'exoclaw-worker')!;
  const template = (worker.body['spec'] as { template: { metadata: { annotations?: Record<string, string> }; spec: PodSpec } }).template;
  const container = template.spec.containers.find((c) => c.name === 'worker') as Container;
  const annotations = template.metadata.annotations ?? {};

  it('has the Prometheus scrape annotations on the pod template', () => {
    expect(annotations['prometheus.io/scrape']).toBe('true');
    expect(annotations['prometheus.io/path']).toBe(METRICS_PATH);
  });

  it('names the port the worker serves health checks and /metrics on', () => {
    const healthPort = container.env?.find((e) => e.name === 'EXOCLAW_HEALTH_PORT')?.value;
    const flag = container.args?.indexOf('--health-port') ?? -1;
    const served = flag >= 0 ? container.args?.[flag + 1] : healthPort;
    expect(served).toMatch(/^\d+$/);
    expect(annotations['prometheus.io/port']).toBe(served);
    expect((container.ports ?? []).map((p) => String(p.containerPort))).toContain(served);
  });
});
