// Runs scripts/bounce-demo.sh for real, with a stand-in `kubectl` that maps the handful of
// commands it uses onto local parts: `exec deploy/temporal-admin-tools -- temporal …` runs the
// real Temporal CLI against the test server, `get pods` lists the worker processes as pods, and
// `delete pod X` kills worker X. So the script's polling, JSON parsing and flow are exercised
// end to end without a cluster.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { DurabilityRig } from '../../dev/bounce/durability-rig.js';
import { resolveTemporalCli } from '../../dev/local-stack/temporal-cli.js';
import { packageRoot } from '../../src/package-root.js';
import { ensureWorkers, expectRecordedOnce, startSharedRig } from './fault-helpers.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'exoclaw-fake-kubectl-'));
let rig: DurabilityRig | undefined;

const FAKE_KUBECTL = `#!/usr/bin/env bash
# Test stand-in for kubectl (see bounce-demo-script.test.ts).
set -euo pipefail
args=" $* "
case "$args" in
  *" rollout status "*) exit 0 ;;
  *" get pods "*) printf 'worker-a@node-1 worker-b@node-2 ' ;;
  *" delete pod "*)
    pod=$(printf '%s\\n' "$@" | grep -A1 -x pod | tail -n1)
    echo "$pod" >> "$FAKE_DIR/deleted"
    for _ in $(seq 1 100); do grep -qx "$pod" "$FAKE_DIR/killed" 2>/dev/null && exit 0; sleep 0.1; done
    echo "fake kubectl: $pod was not killed" >&2; exit 1 ;;
  *" exec deploy/temporal-admin-tools -- temporal "*)
    while [ "$1" != "--" ]; do shift; done
    shift 2
    exec "$FAKE_TEMPORAL_CLI" "$@" ;;
  *) echo "fake kubectl: unexpected: $*" >&2; exit 2 ;;
esac
`;

afterAll(async () => {
  await rig?.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('scripts/bounce-demo.sh', () => {
  it('finds the pod running the tool, deletes it, and follows the turn to completion', async () => {
    rig = await startSharedRig();
    await ensureWorkers(rig, ['worker-a', 'worker-b']);
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'kubectl'), FAKE_KUBECTL);
    chmodSync(join(bin, 'kubectl'), 0o755);
    writeFileSync(join(dir, 'deleted'), '');

    // Play the kubelet: kill whatever pod the script deletes.
    const killed: string[] = [];
    const watcher = setInterval(() => {
      for (const pod of readFileSync(join(dir, 'deleted'), 'utf8').split('\n').filter(Boolean)) {
        if (killed.includes(pod)) continue;
        killed.push(pod);
        void rig?.fleet.kill(pod, 'SIGKILL').then(() => writeFileSync(join(dir, 'killed'), `${killed.join('\n')}\n`));
      }
    }, 100);
    let output: { stdout: string; stderr: string };
    try {
      output = await run('bash', [join(packageRoot(), 'scripts', 'bounce-demo.sh')], {
        env: {
          ...process.env,
          PATH: `${bin}:${process.env['PATH'] ?? ''}`,
          FAKE_DIR: dir,
          FAKE_TEMPORAL_CLI: resolveTemporalCli(),
          TEMPORAL_ADDRESS: rig.server.address,
          EXOCLAW_TASK_QUEUE: rig.taskQueue,
          SLEEP_SECONDS: '5',
          HEARTBEAT_TIMEOUT: '4s',
        },
        timeout: 120_000,
      });
    } finally {
      clearInterval(watcher);
    }
    const { stdout } = output;
    expect(killed).toHaveLength(1);
    expect(stdout).toContain(`executeTool is running on pod ${killed[0]}`);
    expect(stdout).toMatch(/the tool call is on pod worker-[ab] now \(attempt 2\)/);
    expect(stdout).not.toContain(`is on pod ${killed[0]} now`);
    expect(stdout).toContain(': COMPLETED');
    expect(stdout).toMatch(/task complete/);
    const session = /workflow (bounce-\d+):/.exec(stdout)?.[1] ?? '';
    expectRecordedOnce(rig.stateDir, session, "Run the command 'sleep 5 && echo task complete'");
  }, 150_000);
});

