// Runs the real benchmark script once, tiny and quick, on the shared test server: proves it
// starts, measures every phase, prints one valid JSON object per metric, and exits cleanly.
// No timing thresholds: the numbers are printed, never judged here.
import { describe, expect, it } from 'vitest';
import { runBenchScript } from './run-bench-script.js';

describe('npm run bench -- --json', () => {
  it('prints one JSON metric per line for every phase', async () => {
    const { code, stdout, stderr } = await runBenchScript([
      '--json',
      '--quick',
      '--runs=1',
      '--steps=2',
      '--activities=2',
      '--concurrency=1,2',
      '--turns=1,2',
      '--history-steps=1',
      '--soak-turns=3',
      // The worker-process phases (sessions, concurrency) have their own test: bench-sessions.test.ts.
      '--only=overhead,floor,throughput,history,gateway,soak',
    ]);
    expect(code, stderr).toBe(0);

    const lines = stdout.trim().split('\n');
    const metrics = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const m of metrics) {
      expect(typeof m.metric).toBe('string');
      expect(Number.isFinite(m.value)).toBe(true);
      expect(typeof m.unit).toBe('string');
    }
    const names = metrics.map((m) => m.metric);
    expect(names).toEqual(
      expect.arrayContaining([
        'durable_overhead_per_step',
        'empty_activity_round_trip',
        'turns_per_second',
        'history_bytes_per_step',
        'gateway_time_to_first_token',
        'provider_time_to_first_token',
        'gateway_sse_fanout_p95',
      ]),
    );
    const overhead = metrics.find((m) => m.metric === 'durable_overhead_per_step');
    expect(overhead).toMatchObject({ unit: 'ms/step', steps: 2, runs: 1 });
    // The bench's no-op tool is bounded: the server schedules only the 3 model calls; the 2 tool
    // calls, buildPrompt and recordTurn run in the workflow task.
    expect(overhead).toMatchObject({ activities_per_turn: 3, local_activities_per_turn: 4 });
    // The step breakdown is read from that history: the model calls took some time, every task was run.
    expect(overhead).toMatchObject({ activity_ms: expect.any(Number), wft_run_ms: expect.any(Number), wft_wait_ms: expect.any(Number) });
    expect(overhead!.activity_ms as number).toBeGreaterThan(0);
    const cpu = metrics.filter((m) => m.metric === 'worker_cpu_per_turn');
    expect(cpu.map((m) => [m.concurrency, m.unit])).toEqual([
      [1, 'ms/turn'],
      [2, 'ms/turn'],
    ]);
    for (const m of cpu) {
      expect(m.value).toBeGreaterThan(0);
      expect(m.rss_mib).toBeGreaterThan(0);
      expect(m).not.toHaveProperty('server_cpu_ms_per_turn'); // an external server's CPU is not ours to read
    }
    expect(metrics.find((m) => m.metric === 'empty_activity_round_trip')).toMatchObject({ server: 'external' }); // the tests' server
    expect(metrics.filter((m) => m.metric === 'turns_per_second').map((m) => [m.concurrency, m.turns])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const history = metrics.filter((m) => m.metric === 'history_bytes_per_step');
    expect(history.map((m) => m.transcript)).toEqual(['10KB', '1MB']);
    for (const m of history) expect(m.history_bytes).toBeGreaterThan(0);
    expect(metrics.find((m) => m.metric === 'gateway_sse_fanout_p95')).toMatchObject({ unit: 'ms', clients: 200 });
    const soak = metrics.find((m) => m.metric === 'rss_after_soak');
    expect(soak).toMatchObject({ unit: 'MiB', turns: 3, concurrency: 10 });
    expect(soak?.value).toBeGreaterThan(0);
    expect(soak?.ratio).toBeGreaterThan(0);
    // Progress goes to stderr, phase by phase.
    expect(stderr).toMatch(/overhead:.*\n(.*\n)*.*floor:.*\n(.*\n)*.*throughput:.*\n(.*\n)*.*history:.*\n(.*\n)*.*gateway:.*\n(.*\n)*.*soak:/);
  }, 240_000);
});
