// The worker-process phases of the benchmark, tiny (5 sessions, concurrency 2): real worker
// processes on the shared test server, one JSON row per metric with the context the docs
// describe. No timing thresholds: the numbers are printed, never judged here.
import { describe, expect, it } from 'vitest';
import { runBenchScript } from './run-bench-script.js';

describe('npm run bench -- --only sessions,concurrency', () => {
  it('measures idle sessions in a worker process, their answers after a restart, and latency with two workers', async () => {
    const { code, stdout, stderr } = await runBenchScript([
      '--json',
      '--only=sessions,concurrency',
      '--idle-sessions=5',
      '--session-concurrency=2',
      '--worker-cache=50',
      '--latency-concurrency=2,3',
      '--latency-turns=2,3',
    ]);
    expect(code, stderr).toBe(0);
    const metrics = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(metrics.map((m) => m.metric)).toEqual(['idle_sessions_rss', 'sessions_restart_answer', 'turn_latency_c2', 'turn_latency_c3']);

    const [idle, restart, c2, c3] = metrics;
    expect(idle).toMatchObject({ unit: 'MiB', sessions: 5, max_cached_workflows: 50 });
    // Read from the worker process in /proc, not from the bench process.
    for (const key of ['value', 'rss_empty_mib', 'rss_before_mib']) expect(idle?.[key]).toBeGreaterThan(50);
    expect(typeof idle?.per_session_kib).toBe('number');
    expect(restart).toMatchObject({ unit: 'ms', sessions: 5, concurrency: 2, stop: 'SIGTERM' });
    expect(restart?.p95_ms).toBeGreaterThanOrEqual(restart?.p50_ms as number);
    expect(restart?.rss_after_mib).toBeGreaterThan(50);
    expect(c2).toMatchObject({ unit: 'ms (p50)', concurrency: 2, workers: 2, turns: 2 });
    expect(c3).toMatchObject({ concurrency: 3, workers: 2, turns: 3 });
    expect(c3?.p95_ms).toBeGreaterThanOrEqual(c3?.value as number);
    expect(stderr).toMatch(/sessions: starting a worker process[\s\S]*stopping the worker \(SIGTERM\)[\s\S]*concurrency: starting 2 worker processes/);
  }, 180_000);
});
