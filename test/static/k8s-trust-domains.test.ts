// The two trust domains in k8s/: workers mount the agent's workspace and the runtime's state
// root; exec runs in sandbox pods that mount the workspace only. Static: no cluster needed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { allPodSpecs, loadManifests, type Container, type ManifestDoc, type PodSpec } from './manifests.js';
import {
  compiledSource,
  envOf,
  isSandboxRunnerCommand,
  isWithin,
  mountsBeyondWorkspace,
  overlaps,
  stateLeaks,
  workerRoots,
  type Pod,
} from './trust-domains.js';

const docs = loadManifests();
const pods: Pod[] = allPodSpecs(docs);
const roots = workerRoots(pods);
const find = (kind: string, name: string): ManifestDoc => {
  const doc = docs.find((d) => d.kind === kind && d.name === name);
  if (!doc) throw new Error(`no ${kind}/${name} in k8s/`);
  return doc;
};
const spec = (doc: ManifestDoc): Record<string, unknown> => doc.body['spec'] as Record<string, unknown>;
const sandboxes = pods.flatMap(({ doc, spec: pod }) =>
  pod.containers.filter((c) => isSandboxRunnerCommand(c.command ?? c.args)).map((container) => ({ doc, pod, container })),
);
const workerDeployment = find('Deployment', 'exoclaw-worker');
const workerPod = (spec(workerDeployment)['template'] as { spec: PodSpec }).spec;

function loadShippedConfig() {
  const configMap = find('ConfigMap', 'exoclaw-config');
  const dir = mkdtempSync(join(tmpdir(), 'exoclaw-k8s-trust-'));
  const path = join(dir, 'config.json');
  writeFileSync(path, (configMap.body['data'] as Record<string, string>)['config.json'] as string);
  try {
    return loadConfig({ path, env: { HOME: dir } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function mountWithSubPath(pod: Pod, container: string, subPath: string, mountPath: string): Pod {
  const copy = structuredClone(pod);
  const target = copy.spec.containers.find((c) => c.name === container) as Container;
  const volume = copy.spec.volumes?.find((v) => v.persistentVolumeClaim)?.name as string;
  target.volumeMounts = [...(target.volumeMounts ?? []), { name: volume, mountPath, ...(subPath ? { subPath } : {}) }];
  return copy;
}

describe('k8s: the workspace and the state root are two trust domains', () => {
  it('every worker mounts its workspace and its state root at the configured paths, from separate folders', () => {
    expect(roots.length).toBeGreaterThan(0);
    for (const { where, workspace, state } of roots) {
      expect(workspace.path, `${where}: EXOCLAW_WORKSPACE`).toMatch(/^\//);
      expect(state.path, `${where}: EXOCLAW_STATE_DIR`).toMatch(/^\//);
      expect(workspace.at, `${where}: a volume mounted at ${workspace.path}`).toBeDefined();
      expect(state.at, `${where}: a volume mounted at ${state.path}`).toBeDefined();
      // Neither inside the other, in the container or on the volume.
      expect(overlaps(workspace.path, state.path), `${where}: ${state.path} vs ${workspace.path}`).toBe(false);
      if (workspace.at?.claim === state.at?.claim) {
        expect(overlaps(workspace.at?.subPath ?? '', state.at?.subPath ?? ''), `${where}: subPaths`).toBe(false);
      }
    }
  });

  it('the worker Deployment takes the two folders of one volume by subPath, and EXOCLAW_STATE_DIR names the state mount', () => {
    const worker = roots.find((r) => r.where.includes('Deployment/exoclaw-worker'));
    expect(worker?.workspace.at).toEqual({ claim: 'exoclaw-data', subPath: 'workspace' });
    expect(worker?.state.at).toEqual({ claim: 'exoclaw-data', subPath: 'state' });
    expect(envOf(worker?.container as Container, 'EXOCLAW_STATE_DIR')).toBe(worker?.state.mount?.mountPath);
    expect(loadShippedConfig().agents.defaults.workspace).toBe(worker?.workspace.path);
  });

  it('nothing but the workers mounts the state: no sandbox, sidecar or tool container, not even the whole volume', () => {
    expect(stateLeaks(pods)).toEqual([]);
    expect(mountsBeyondWorkspace(pods)).toEqual([]);
  });

  it('the check does catch a sandbox that mounts the state or the whole volume (so a pass means something)', () => {
    const sandbox = pods.find((p) => p.doc.name === 'exoclaw-exec-sandbox' && p.doc.kind === 'Deployment') as Pod;
    const withState = pods.map((p) => (p === sandbox ? mountWithSubPath(p, 'runner', 'state', '/data') : p));
    expect(stateLeaks(withState)).toHaveLength(1);
    const withRoot = pods.map((p) => (p === sandbox ? mountWithSubPath(p, 'runner', '', '/data') : p));
    expect(stateLeaks(withRoot)).toHaveLength(1);
    expect(mountsBeyondWorkspace(withRoot)).toHaveLength(1);
    const sidecar = pods.map((p) => (p.doc === workerDeployment ? mountWithSubPath(p, 'scripted-llm', 'state/leases', '/x') : p));
    expect(stateLeaks(sidecar)).toHaveLength(1);
  });

  it('isWithin and overlaps treat paths as folders, not strings', () => {
    expect(isWithin('/workspace', '/workspace/.state')).toBe(true);
    expect(isWithin('/workspace', '/workspace.state')).toBe(false);
    expect(isWithin('', 'state')).toBe(true);
    expect(overlaps('state', 'workspace')).toBe(false);
    expect(overlaps('workspace/../state', 'state')).toBe(true);
  });
});

describe('k8s: exec runs in sandbox pods, not in the worker', () => {
  it('the worker config sends exec to the sandbox Service, which reaches the runner port', () => {
    const config = loadShippedConfig();
    expect(config.tools.exec.sandbox.enabled).toBe(true);
    expect(config.tools.exec.isolation).not.toBe('none');
    const url = new URL(config.tools.exec.sandbox.url ?? '');
    const [serviceName, namespace, svc] = url.hostname.split('.');
    expect(svc).toBe('svc');
    const service = docs.find((d) => d.kind === 'Service' && d.name === serviceName && d.namespace === namespace);
    expect(service, `Service ${namespace}/${serviceName}`).toBeDefined();
    const port = (spec(service as ManifestDoc)['ports'] as { port: number; targetPort?: number | string }[]).find(
      (p) => p.port === Number(url.port),
    );
    expect(port, `Service port ${url.port}`).toBeDefined();
    const selector = spec(service as ManifestDoc)['selector'] as Record<string, string>;
    const target = sandboxes.find(
      ({ doc }) =>
        doc.namespace === namespace &&
        Object.entries(selector).every(([k, v]) => (spec(doc)['template'] as { metadata: { labels: Record<string, string> } }).metadata.labels[k] === v),
    );
    expect(target, 'the Service selects sandbox runner pods').toBeDefined();
    const containerPort = target?.container.ports?.find((p) => p.name === port?.targetPort || p.containerPort === port?.targetPort);
    expect(Number(envOf(target?.container as Container, 'PORT'))).toBe(containerPort?.containerPort);
  });

  it('every sandbox pod mounts the workers\' workspace folder at its SANDBOX_ROOT', () => {
    const workspace = roots.find((r) => r.where.includes('Deployment/exoclaw-worker'))?.workspace.at;
    expect(sandboxes.map((s) => `${s.doc.kind}/${s.doc.name}`).sort()).toEqual(['Deployment/exoclaw-exec-sandbox', 'SandboxTemplate/exoclaw-exec']);
    for (const { doc, pod, container } of sandboxes) {
      const root = envOf(container, 'SANDBOX_ROOT');
      const mount = container.volumeMounts?.find((m) => m.mountPath === root);
      const claim = pod.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim?.claimName;
      expect({ claim, subPath: mount?.subPath }, `${doc.kind}/${doc.name}`).toEqual(workspace);
      expect(mount?.readOnly, 'commands write their files there').not.toBe(true);
    }
  });

  it('sandbox pods hold nothing worth stealing and no privileges', () => {
    for (const { doc, pod, container } of sandboxes) {
      const where = `${doc.kind}/${doc.name}`;
      expect(pod.automountServiceAccountToken, where).toBe(false);
      expect(pod.enableServiceLinks, where).toBe(false);
      expect(pod.volumes?.filter((v) => v.secret), where).toEqual([]);
      expect(container.envFrom ?? [], where).toEqual([]);
      expect((container.env ?? []).filter((e) => e.valueFrom), where).toEqual([]);
      expect(pod.securityContext?.runAsNonRoot, where).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type, where).toBe('RuntimeDefault');
      expect(container.securityContext, where).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('sandbox pods start the compiled runner the image ships', () => {
    for (const { doc, container } of sandboxes) {
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      expect(argv[0], `${doc.kind}/${doc.name}`).toBe('node');
      expect(compiledSource(argv[1] ?? ''), `${doc.kind}/${doc.name}: ${argv[1]} is built from a source`).toBe('src/tools/sandbox-runner.ts');
    }
  });

  it('the worker pod keeps the restricted profile of its namespace (bwrap would need what it refuses)', () => {
    const namespace = find('Namespace', workerDeployment.namespace ?? '');
    expect((namespace.body['metadata'] as { labels: Record<string, string> }).labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(workerPod.hostUsers).toBeUndefined();
    expect(workerPod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
    for (const container of workerPod.containers) {
      expect(container.securityContext?.['procMount'], container.name).toBeUndefined();
      expect(envOf(container, 'EXOCLAW_EXEC_ISOLATION'), container.name).toBeUndefined();
    }
  });

  it('only workers reach the sandbox, and the sandbox reaches no private or cluster address', () => {
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    for (const { doc } of sandboxes.filter((s) => s.doc.kind === 'Deployment')) {
      const labels = (spec(doc)['template'] as { metadata: { labels: Record<string, string> } }).metadata.labels;
      const policy = policies.find(
        (p) =>
          p.namespace === doc.namespace &&
          Object.entries((spec(p)['podSelector'] as { matchLabels: Record<string, string> }).matchLabels).every(([k, v]) => labels[k] === v),
      );
      expect(policy, `a NetworkPolicy for ${doc.name}`).toBeDefined();
      const body = spec(policy as ManifestDoc) as {
        policyTypes: string[];
        ingress: { from: { podSelector?: { matchLabels: Record<string, string> } }[] }[];
        egress: { to?: { ipBlock?: { cidr: string; except?: string[] }; podSelector?: unknown }[] }[];
      };
      expect(body.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
      const workerLabels = (spec(workerDeployment)['selector'] as { matchLabels: Record<string, string> }).matchLabels;
      for (const rule of body.ingress) {
        for (const from of rule.from) expect(from.podSelector?.matchLabels).toEqual(workerLabels);
      }
      for (const rule of body.egress) {
        expect(rule.to, 'no allow-all egress rule').toBeDefined();
        for (const to of rule.to ?? []) {
          if (!to.ipBlock) continue;
          for (const range of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) {
            expect(to.ipBlock.except ?? [], `${to.ipBlock.cidr} excludes ${range}`).toContain(range);
          }
        }
      }
    }
  });
});
