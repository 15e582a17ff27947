import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  isCoreKubernetes,
  loadManifests,
  podTemplates,
  ROOT,
  schemaErrors,
  strictFieldErrors,
  type Container,
  type ManifestDoc,
  type PodSpec,
} from './manifests.js';

const docs = loadManifests();
const core = docs.filter(isCoreKubernetes);
const find = (kind: string, name: string): ManifestDoc => {
  const doc = docs.find((d) => d.kind === kind && d.name === name);
  if (!doc) throw new Error(`no ${kind}/${name} in k8s/`);
  return doc;
};
const spec = (doc: ManifestDoc): Record<string, unknown> => doc.body['spec'] as Record<string, unknown>;
const podSpec = (doc: ManifestDoc): PodSpec => (spec(doc)['template'] as { spec: PodSpec }).spec;
const worker = find('Deployment', 'exoclaw-worker');
const workerPod = podSpec(worker);
const workerContainer = workerPod.containers.find((c) => c.name === 'worker') as Container;

describe('k8s manifests: schema validation (offline, kubernetes-models)', () => {
  it('finds the manifests this project ships', () => {
    const kinds = new Set(core.map((d) => d.kind));
    for (const kind of ['Namespace', 'StatefulSet', 'Job', 'Deployment', 'Service', 'ConfigMap', 'PersistentVolumeClaim', 'PersistentVolume']) {
      expect(kinds, `a ${kind} in k8s/`).toContain(kind);
    }
    expect(docs.every((d) => d.apiVersion && d.kind && d.name)).toBe(true);
  });

  it.each(core.map((d) => [`${d.file} ${d.kind}/${d.name}`, d] as const))('%s matches the Kubernetes schema', async (_label, doc) => {
    expect(await schemaErrors(doc)).toEqual([]);
  });

  it('has no unknown or mistyped fields (strict type check against the Kubernetes API types)', () => {
    expect(strictFieldErrors(core)).toEqual([]);
  });

  it('the strict check does catch a typo and a wrong type (so a pass means something)', async () => {
    const broken = structuredClone(worker);
    const container = podSpec(broken).containers[0] as unknown as Record<string, unknown>;
    (container['readinessProbe'] as Record<string, unknown>)['periodSecond'] = 5;
    (spec(broken) as Record<string, unknown>)['replicas'] = 'two';
    const errors = strictFieldErrors([broken]);
    expect(errors.join('\n')).toMatch(/periodSecond/);
    expect(errors.join('\n')).toMatch(/replicas|string/);
    expect(await schemaErrors(broken)).not.toEqual([]);
  });

  it('custom resources (agent-sandbox, kind) are skipped by the core schemas but are well-formed', () => {
    for (const doc of docs.filter((d) => !isCoreKubernetes(d))) {
      expect(doc.apiVersion, doc.file).toMatch(/^[a-z0-9.-]+\/v\d+(alpha\d+|beta\d+)?$/);
      if (doc.kind === 'Cluster') continue; // the kind config, checked in kind-config.test.ts
      expect(doc.name, `${doc.file} ${doc.kind} needs metadata.name`).not.toBe('');
      expect(doc.namespace, `${doc.file} ${doc.kind}/${doc.name} needs a namespace`).toBeTruthy();
      expect(typeof doc.body['spec'], `${doc.file} ${doc.kind}/${doc.name} needs a spec`).toBe('object');
    }
  });
});

describe('k8s manifests: the worker Deployment', () => {
  it('runs two replicas spread across nodes', () => {
    expect(spec(worker)['replicas']).toBe(2);
    const labels = (spec(worker)['selector'] as { matchLabels: Record<string, string> }).matchLabels;
    const spread = workerPod.topologySpreadConstraints ?? [];
    expect(spread.some((c) => c.topologyKey === 'kubernetes.io/hostname' && matches(c.labelSelector?.matchLabels, labels))).toBe(true);
    expect(JSON.stringify(workerPod.affinity?.podAntiAffinity)).toContain('kubernetes.io/hostname');
  });

  it('gives SIGTERM more time than the worker shutdown grace (10 s) plus exit', () => {
    expect(workerPod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10 + 10);
    expect(workerContainer.args).not.toContain('--shutdown-grace'); // the default 10 s is what the grace period above assumes
  });

  it('mounts a ReadWriteMany volume at the configured workspace path (and the state root: k8s-trust-domains.test.ts)', () => {
    expect(envValue(workerContainer, 'EXOCLAW_WORKSPACE')).toBe('/workspace');
    const mount = workerContainer.volumeMounts?.find((m) => m.mountPath === '/workspace');
    const volume = workerPod.volumes?.find((v) => v.name === mount?.name);
    const pvc = find('PersistentVolumeClaim', volume?.persistentVolumeClaim?.claimName ?? '?');
    expect(spec(pvc)['accessModes']).toEqual(['ReadWriteMany']);
  });

  it('probes an HTTP health endpoint on the port the worker serves it on', () => {
    const port = Number(envValue(workerContainer, 'EXOCLAW_HEALTH_PORT'));
    const named = new Map((workerContainer.ports ?? []).map((p) => [p.name, p.containerPort]));
    for (const probe of [workerContainer.readinessProbe, workerContainer.livenessProbe, workerContainer.startupProbe]) {
      expect(probe?.httpGet).toBeDefined();
      const probePort = probe?.httpGet?.port;
      expect(typeof probePort === 'string' ? named.get(probePort) : probePort).toBe(port);
    }
    expect(workerContainer.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(workerContainer.livenessProbe?.httpGet?.path).toBe('/livez');
  });

  it('names each worker after its pod, so Temporal shows which pod ran an activity', () => {
    expect(workerContainer.args?.join(' ')).toContain('--identity $(POD_NAME)');
    expect(workerContainer.env?.find((e) => e.name === 'POD_NAME')?.valueFrom?.['fieldRef']).toEqual({ fieldPath: 'metadata.name' });
  });

  it('takes API keys only from a Secret, and the config from the ConfigMap', () => {
    expect(workerContainer.envFrom).toContainEqual({ secretRef: { name: 'exoclaw-api-keys', optional: true } });
    const literalSecrets = (workerContainer.env ?? []).filter((e) => /KEY|TOKEN|SECRET|PASSWORD/i.test(e.name) && e.value !== undefined);
    expect(literalSecrets).toEqual([]);
    const configVolume = workerPod.volumes?.find((v) => v.configMap);
    expect(configVolume?.configMap?.name).toBe('exoclaw-config');
    const mount = workerContainer.volumeMounts?.find((m) => m.name === configVolume?.name);
    expect(envValue(workerContainer, 'EXOCLAW_CONFIG')).toBe(`${mount?.mountPath}/config.json`);
  });

  it('runs as the image user, unprivileged', () => {
    expect(workerPod.securityContext?.runAsNonRoot).toBe(true);
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`USER ${workerPod.securityContext?.runAsUser}:`);
    expect(workerContainer.securityContext?.['allowPrivilegeEscalation']).toBe(false);
  });

  it('ships a config that the worker loads without errors or unknown keys', () => {
    const configMap = find('ConfigMap', 'exoclaw-config');
    const json = (configMap.body['data'] as Record<string, string>)['config.json'] as string;
    const dir = mkdtempSync(join(tmpdir(), 'exoclaw-k8s-config-'));
    const warnings: string[] = [];
    const path = join(dir, 'config.json');
    writeFileSync(path, json);
    try {
      const config = loadConfig({ path, env: { HOME: dir }, onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([]);
      expect(config.agents.defaults.workspace).toBe('/workspace');
      const frontend = find('Service', 'temporal-frontend');
      expect(config.temporal.address).toBe(`temporal-frontend.${frontend.namespace}.svc.cluster.local:7233`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('k8s manifests: wiring between objects', () => {
  it('every namespaced object lives in a namespace that the manifests create', () => {
    const namespaces = new Set(docs.filter((d) => d.kind === 'Namespace').map((d) => d.name));
    const clusterScoped = new Set(['Namespace', 'PersistentVolume', 'Cluster', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass']);
    for (const doc of docs.filter((d) => !clusterScoped.has(d.kind))) {
      expect(namespaces, `${doc.file} ${doc.kind}/${doc.name}`).toContain(doc.namespace);
    }
  });

  it('workload selectors match their pod labels, and every Service selects some pods', () => {
    const templates = podTemplates(core);
    for (const { doc, labels } of templates) {
      const selector = (spec(doc)['selector'] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
      if (doc.kind !== 'Job') expect(matches(selector, labels), `${doc.kind}/${doc.name}`).toBe(true);
    }
    for (const service of core.filter((d) => d.kind === 'Service')) {
      const selector = spec(service)['selector'] as Record<string, string>;
      const target = templates.find((t) => t.doc.namespace === service.namespace && matches(selector, t.labels));
      expect(target, `Service ${service.namespace}/${service.name} selects no pods`).toBeDefined();
      const ports = (target?.spec.containers ?? []).flatMap((c) => c.ports ?? []);
      for (const port of spec(service)['ports'] as { targetPort?: string | number; port: number }[]) {
        const wanted = port.targetPort ?? port.port;
        const ok = ports.some((p) => p.name === wanted || p.containerPort === wanted);
        expect(ok, `Service ${service.name} targetPort ${wanted}`).toBe(true);
      }
    }
  });

  it('every ConfigMap, Secret, PVC and ServiceAccount a pod uses exists (or is documented as created by a command)', () => {
    const created = (kind: string, ns: string | undefined): Set<string> =>
      new Set(docs.filter((d) => d.kind === kind && d.namespace === ns).map((d) => d.name));
    const external = new Set(['exoclaw-api-keys', 'sandbox-router-auth']); // kubectl create secret ... (docs/deployment.md, k8s/sandbox/README.md)
    for (const { doc, spec: pod } of podTemplates(core)) {
      const ns = doc.namespace;
      for (const volume of pod.volumes ?? []) {
        if (volume.configMap) expect(created('ConfigMap', ns), `${doc.name}`).toContain(volume.configMap.name);
        if (volume.persistentVolumeClaim && doc.kind !== 'StatefulSet') {
          expect(created('PersistentVolumeClaim', ns), `${doc.name}`).toContain(volume.persistentVolumeClaim.claimName);
        }
      }
      if (pod.serviceAccountName) expect(created('ServiceAccount', ns)).toContain(pod.serviceAccountName);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const env of container.env ?? []) {
          const ref = env.valueFrom?.['secretKeyRef'];
          if (ref?.name && !external.has(ref.name)) {
            const secret = docs.find((d) => d.kind === 'Secret' && d.name === ref.name && d.namespace === ns);
            expect(secret, `${doc.name}: Secret ${ref.name}`).toBeDefined();
            expect(Object.keys((secret?.body['stringData'] ?? secret?.body['data'] ?? {}) as object)).toContain(ref.key);
          }
        }
        for (const from of container.envFrom ?? []) {
          if (from.secretRef && !external.has(from.secretRef.name)) expect(created('Secret', ns)).toContain(from.secretRef.name);
        }
      }
    }
  });

  it('every container has resource requests and limits', () => {
    for (const { doc, spec: pod } of podTemplates(core)) {
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        if (doc.namespace === 'exoclaw-sandbox' && container.name === 'router') continue; // upstream image, sized by its own docs
        expect(container.resources?.requests, `${doc.kind}/${doc.name} ${container.name}`).toBeDefined();
        expect(container.resources?.limits, `${doc.kind}/${doc.name} ${container.name}`).toBeDefined();
      }
    }
  });

  it('the kind-only PersistentVolume binds to the shared data claim', () => {
    const pv = find('PersistentVolume', 'exoclaw-data-kind');
    const pvc = find('PersistentVolumeClaim', 'exoclaw-data');
    expect(spec(pv)['claimRef']).toEqual({ namespace: pvc.namespace, name: pvc.name });
    expect(spec(pv)['storageClassName']).toBe(spec(pvc)['storageClassName']);
    expect(spec(pv)['accessModes']).toEqual(spec(pvc)['accessModes']);
  });

  it('the worker image is the one mise builds and loads into kind', () => {
    const mise = readFileSync(join(ROOT, 'mise.toml'), 'utf8');
    expect(mise).toContain(`EXOCLAW_IMAGE = "${workerContainer.image}"`);
  });
});

function envValue(container: Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}
