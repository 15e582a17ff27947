import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { allPodSpecs, loadManifests, ROOT } from './manifests.js';
import { isSandboxRunnerCommand, workerRoots } from './trust-domains.js';

interface MiseTask {
  description?: string;
  run: string | string[];
}
const mise = parseToml(readFileSync(join(ROOT, 'mise.toml'), 'utf8')) as unknown as {
  tools: Record<string, string>;
  env: Record<string, string>;
  tasks: Record<string, MiseTask>;
};
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const runOf = (task: MiseTask): string[] => (Array.isArray(task.run) ? task.run : [task.run]);
const docs = loadManifests();

describe('mise.toml', () => {
  it('pins node 20, kubectl and kind', () => {
    expect(mise.tools['node']).toMatch(/^20(\.\d+){0,2}$/);
    expect(mise.tools['kubectl']).toMatch(/^\d+\.\d+/);
    expect(mise.tools['kind']).toMatch(/^\d+\.\d+/);
  });

  it('has the tasks the docs promise, each with a description', () => {
    const required = ['setup', 'test', 'lint', 'demo', 'bounce-demo', 'cluster-up', 'cluster-down', 'temporal-up', 'worker-deploy'];
    for (const name of required) {
      expect(mise.tasks[name], name).toBeDefined();
      expect(mise.tasks[name]?.description, name).toBeTruthy();
    }
  });

  it('only runs npm scripts, files and folders that exist', () => {
    for (const [name, task] of Object.entries(mise.tasks)) {
      for (const command of runOf(task)) {
        for (const m of command.matchAll(/npm run ([\w:-]+)/g)) expect(pkg.scripts, `${name}: npm run ${m[1]}`).toHaveProperty(m[1] as string);
        for (const m of command.matchAll(/(?:^|\s)((?:k8s|scripts)\/[\w./-]*)/g)) {
          expect(existsSync(join(ROOT, m[1] as string)), `${name}: ${m[1]}`).toBe(true);
        }
      }
    }
  });

  it('bounce-demo runs the local bounce; the cluster variant runs the kubectl script', () => {
    expect(runOf(mise.tasks['bounce-demo'] as MiseTask)).toEqual(['npm run bounce']);
    expect(pkg.scripts['bounce']).toContain('bounce');
    expect(runOf(mise.tasks['bounce-demo-cluster'] as MiseTask).join(' ')).toContain('scripts/bounce-demo.sh');
  });

  it('uses the cluster name of the kind config', () => {
    const cluster = docs.find((d) => d.kind === 'Cluster');
    expect(mise.env['KIND_CLUSTER']).toBe(cluster?.name);
  });
});

describe('kind cluster config', () => {
  const cluster = docs.find((d) => d.kind === 'Cluster');
  const nodes = (cluster?.body['nodes'] ?? []) as {
    role: string;
    extraMounts?: { hostPath: string; containerPath: string }[];
    extraPortMappings?: { containerPort: number; hostPort: number }[];
  }[];

  it('is a kind v1alpha4 Cluster with one control plane and two workers', () => {
    expect(cluster?.apiVersion).toBe('kind.x-k8s.io/v1alpha4');
    expect(nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  });

  it('mounts the same host folder into both workers at the path the workspace PV uses', () => {
    const pv = docs.find((d) => d.kind === 'PersistentVolume');
    const pvPath = ((pv?.body['spec'] as { hostPath?: { path: string } }).hostPath ?? { path: '' }).path;
    const workers = nodes.filter((n) => n.role === 'worker');
    const mounts = workers.map((n) => n.extraMounts?.[0]);
    expect(new Set(mounts.map((m) => m?.hostPath)).size).toBe(1);
    for (const mount of mounts) expect(mount?.containerPath).toBe(pvPath);
    const setup = runOf(mise.tasks['cluster-up'] as MiseTask).join('\n');
    expect(setup).toContain(`mkdir -p ${mounts[0]?.hostPath}`);
    // under the git-ignored local-state folder, so workspace files never end up in a commit
    expect(mounts[0]?.hostPath.startsWith('.exoclaw/')).toBe(true);
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\.exoclaw\/?$/m);
  });

  it('cluster-up creates the folders the pods mount by subPath, writable for the pods\' uid', () => {
    // kubelet would create a missing subPath folder as root; hostPath volumes ignore fsGroup.
    const hostPath = nodes.find((n) => n.role === 'worker')?.extraMounts?.[0]?.hostPath ?? '?';
    const roots = workerRoots(allPodSpecs(docs));
    const subPaths = new Set(roots.flatMap((r) => [r.workspace.at?.subPath, r.state.at?.subPath]));
    expect([...subPaths].sort()).toEqual(['state', 'workspace']);
    const setup = runOf(mise.tasks['cluster-up'] as MiseTask);
    for (const sub of subPaths) {
      expect(setup.some((c) => c.startsWith('mkdir -p') && c.split(/\s+/).includes(`${hostPath}/${sub}`)), `mkdir ${sub}`).toBe(true);
      expect(setup.some((c) => /^chmod 0?777 /.test(c) && c.split(/\s+/).includes(`${hostPath}/${sub}`)), `chmod ${sub}`).toBe(true);
    }
  });

  it('maps the Web UI NodePort to localhost:8233', () => {
    const ui = docs.find((d) => d.kind === 'Service' && d.name === 'temporal-ui');
    const nodePort = ((ui?.body['spec'] as { ports: { nodePort?: number }[] }).ports[0] ?? {}).nodePort;
    const mapping = nodes[0]?.extraPortMappings?.find((m) => m.containerPort === nodePort);
    expect(mapping?.hostPort).toBe(8233);
  });
});

describe('scripts/bounce-demo.sh', () => {
  const script = readFileSync(join(ROOT, 'scripts', 'bounce-demo.sh'), 'utf8');

  it('is valid bash', () => {
    execFileSync('bash', ['-n', join(ROOT, 'scripts', 'bounce-demo.sh')]);
  });

  it('targets objects the manifests define', () => {
    const admin = docs.find((d) => d.kind === 'Deployment' && d.name === 'temporal-admin-tools');
    expect(script).toContain(`TEMPORAL_NS="\${TEMPORAL_NS:-${admin?.namespace}}"`);
    expect(script).toContain('deploy/temporal-admin-tools');
    const worker = docs.find((d) => d.kind === 'Deployment' && d.name === 'exoclaw-worker');
    expect(script).toContain(`WORKER_NS="\${WORKER_NS:-${worker?.namespace}}"`);
    const labels = (worker?.body['spec'] as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    const [key, value] = Object.entries(labels)[0] as [string, string];
    expect(script).toContain(`-l ${key}=${value}`);
    expect(script).toContain('--type AgentTurnWorkflow');
  });

  it('waits for the exec sandbox the workers send the bounce\'s command to, and worker-deploy rolls it out', () => {
    const sandbox = docs.find(
      (d) => d.kind === 'Deployment' && allPodSpecs([d]).some((p) => p.spec.containers.some((c) => isSandboxRunnerCommand(c.command))),
    );
    expect(sandbox?.namespace).toBe(docs.find((d) => d.kind === 'Deployment' && d.name === 'exoclaw-worker')?.namespace);
    expect(script).toContain(`rollout status deploy/${sandbox?.name}`);
    expect(runOf(mise.tasks['worker-deploy'] as MiseTask).join('\n')).toContain(`rollout status deploy/${sandbox?.name}`);
  });
});
