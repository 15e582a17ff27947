// Checks shared by the Kubernetes, Compose and Dockerfile tests: the agent's workspace and the
// runtime's state root are two trust domains. Workers mount both; nothing else (sandboxes,
// sidecars, tool containers) may reach the state.
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ROOT, type Container, type ManifestDoc, type PodSpec, type VolumeMount } from './manifests.js';

/** `child` is `parent` or lies below it. POSIX paths, as in containers; '' (a volume's root) holds everything. */
export function isWithin(parent: string, child: string): boolean {
  const rel = posix.relative(posix.join('/', parent), posix.join('/', child));
  return rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel));
}

/** One path holds the other (either way round): mounting one exposes the other. */
export function overlaps(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a);
}

/** The worker process: `exoclaw-temporal worker …` (args in k8s, command in Compose). */
export function isWorkerCommand(argv: readonly string[] | undefined): boolean {
  return argv?.[0] === 'worker';
}

/** The exec sandbox runner (src/tools/sandbox-runner.ts, compiled into the image). */
export function isSandboxRunnerCommand(argv: readonly string[] | undefined): boolean {
  return (argv ?? []).some((arg) => /(^|\/)sandbox-runner\.(js|ts)$/.test(arg));
}

/**
 * The TypeScript source a `dist/...js` path in the image is compiled from, if the build compiles
 * it (tsconfig.build.json includes its top folder); undefined otherwise.
 */
export function compiledSource(distPath: string): string | undefined {
  const m = /^dist\/(.+)\.js$/.exec(distPath);
  if (!m) return undefined;
  const source = `${m[1]}.ts`;
  const build = JSON.parse(
    readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''),
  ) as { include: string[] };
  const top = source.split('/')[0] as string;
  return existsSync(join(ROOT, source)) && build.include.includes(top) ? source : undefined;
}

// ---- Kubernetes ------------------------------------------------------------------------------

export interface Pod {
  doc: ManifestDoc;
  spec: PodSpec;
}

/** Where a mount's files live on a claim: the claim and the folder inside it ('' = its root). */
export interface ClaimPath {
  claim: string;
  subPath: string;
}

export function claimPathOf(pod: PodSpec, mount: VolumeMount): ClaimPath | undefined {
  const claim = pod.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
  return claim === undefined ? undefined : { claim, subPath: mount.subPath ?? '' };
}

export function envOf(container: Container, name: string): string | undefined {
  return container.env?.find((e) => e.name === name)?.value;
}

export interface WorkerRoots {
  where: string;
  container: Container;
  workspace: { path: string; mount?: VolumeMount; at?: ClaimPath };
  state: { path: string; mount?: VolumeMount; at?: ClaimPath };
}

/** Each worker container's configured workspace and state root, with the mounts at those paths. */
export function workerRoots(pods: Pod[]): WorkerRoots[] {
  const out: WorkerRoots[] = [];
  for (const { doc, spec } of pods) {
    for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
      if (!isWorkerCommand(container.args)) continue;
      const root = (path: string | undefined) => {
        const mount = container.volumeMounts?.find((m) => m.mountPath === path);
        return { path: path ?? '', mount, at: mount && claimPathOf(spec, mount) };
      };
      out.push({
        where: `${doc.file} ${doc.kind}/${doc.name} ${container.name}`,
        container,
        workspace: root(envOf(container, 'EXOCLAW_WORKSPACE')),
        state: root(envOf(container, 'EXOCLAW_STATE_DIR')),
      });
    }
  }
  return out;
}

/** Every mount outside the worker containers that reaches a worker's state root (one message each). */
export function stateLeaks(pods: Pod[]): string[] {
  const states = workerRoots(pods).flatMap((w) => (w.state.at ? [w.state.at] : []));
  const leaks: string[] = [];
  for (const { doc, spec } of pods) {
    for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
      if (isWorkerCommand(container.args)) continue;
      for (const mount of container.volumeMounts ?? []) {
        const at = claimPathOf(spec, mount);
        // Claims are namespaced, but a sandbox namespace's claim on "the same" volume carries the same name.
        if (at && states.some((s) => s.claim === at.claim && overlaps(s.subPath, at.subPath))) {
          leaks.push(`${doc.file} ${doc.kind}/${doc.name} ${container.name} mounts ${at.claim}:/${at.subPath} at ${mount.mountPath}`);
        }
      }
    }
  }
  return leaks;
}

/** Mounts outside the workers of the workers' volume that are not the workspace folder (or inside it). */
export function mountsBeyondWorkspace(pods: Pod[]): string[] {
  const roots = workerRoots(pods);
  const workspaces = roots.flatMap((w) => (w.workspace.at ? [w.workspace.at] : []));
  const claims = new Set(roots.flatMap((w) => [w.workspace.at?.claim, w.state.at?.claim]).filter((c) => c !== undefined));
  const found: string[] = [];
  for (const { doc, spec } of pods) {
    for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
      if (isWorkerCommand(container.args)) continue;
      for (const mount of container.volumeMounts ?? []) {
        const at = claimPathOf(spec, mount);
        if (!at || !claims.has(at.claim)) continue;
        if (!workspaces.some((w) => w.claim === at.claim && isWithin(w.subPath, at.subPath))) {
          found.push(`${doc.file} ${doc.kind}/${doc.name} ${container.name} mounts ${at.claim}:/${at.subPath} at ${mount.mountPath}`);
        }
      }
    }
  }
  return found;
}
