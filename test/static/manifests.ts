// Loads every Kubernetes manifest under k8s/ and checks documents against the Kubernetes API
// schemas offline: JSON-schema validation from kubernetes-models (types, required fields,
// formats) plus a strict pass through the TypeScript compiler over the same package's
// interfaces, which rejects unknown fields (a typo such as `periodSecond` would otherwise
// be silently ignored by the API server's non-strict decoding).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface ManifestDoc {
  /** path relative to the repository root */
  file: string;
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  body: Record<string, unknown>;
}

export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** Parses every YAML document; a syntax error throws with the file and position. */
export function loadManifests(dir = join(ROOT, 'k8s')): ManifestDoc[] {
  const docs: ManifestDoc[] = [];
  for (const path of yamlFiles(dir)) {
    const file = relative(ROOT, path);
    parseAllDocuments(readFileSync(path, 'utf8')).forEach((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${file} document ${index + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const body = doc.toJS() as Record<string, unknown> | null;
      if (body === null) return; // an empty document (e.g. a trailing ---)
      const metadata = (body['metadata'] ?? {}) as { name?: string; namespace?: string };
      docs.push({
        file,
        index,
        apiVersion: String(body['apiVersion'] ?? ''),
        kind: String(body['kind'] ?? ''),
        name: String(metadata.name ?? body['name'] ?? ''),
        namespace: metadata.namespace,
        body,
      });
    });
  }
  return docs;
}

/** Custom resources and tool configs that no Kubernetes core schema describes. */
export function isCoreKubernetes(doc: ManifestDoc): boolean {
  return !/(^|\.)x-k8s\.io\//.test(doc.apiVersion);
}

/** kubernetes-models' module for an apiVersion: "v1" → kubernetes-models/v1, "apps/v1" → kubernetes-models/apps/v1. */
export function modelModule(apiVersion: string): string {
  return `kubernetes-models/${apiVersion}`;
}

/** JSON-schema validation errors (empty when valid). */
export async function schemaErrors(doc: ManifestDoc): Promise<string[]> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(modelModule(doc.apiVersion))) as Record<string, unknown>;
  } catch {
    return [`unknown apiVersion "${doc.apiVersion}"`];
  }
  const Model = mod[doc.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (typeof Model !== 'function') return [`unknown kind "${doc.kind}" in ${doc.apiVersion}`];
  try {
    new Model(doc.body).validate();
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}

/**
 * Type-checks every document as an object literal of its kubernetes-models interface (I<Kind>).
 * Returns one message per problem, naming the document.
 */
export function strictFieldErrors(docs: ManifestDoc[]): string[] {
  const lines: string[] = [];
  const modules = new Map<string, string>();
  for (const doc of docs) {
    if (!modules.has(doc.apiVersion)) modules.set(doc.apiVersion, `M${modules.size}`);
  }
  for (const [apiVersion, alias] of modules) lines.push(`import type * as ${alias} from '${modelModule(apiVersion)}';`);
  const firstDocLine = lines.length;
  docs.forEach((doc, i) => {
    lines.push(`export const doc${i}: ${modules.get(doc.apiVersion)}.I${doc.kind} = ${JSON.stringify(doc.body)};`);
  });
  const fileName = join(ROOT, 'test', 'static', '__manifests_typecheck__.ts');
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = ((exists) => (name: string) => name === fileName || exists(name))(host.fileExists.bind(host));
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, onError, shouldCreate);
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = [...program.getSyntacticDiagnostics(), ...program.getSemanticDiagnostics()].filter(
    (d) => d.file?.fileName === fileName || d.file === undefined,
  );
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return text;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const doc = docs[line - firstDocLine];
    return doc ? `${doc.file} ${doc.kind}/${doc.name}: ${text}` : text;
  });
}

/** Pod templates of workloads (Deployment, StatefulSet, Job, ...), with where they came from. */
export function podTemplates(docs: ManifestDoc[]): { doc: ManifestDoc; labels: Record<string, string>; spec: PodSpec }[] {
  const out: { doc: ManifestDoc; labels: Record<string, string>; spec: PodSpec }[] = [];
  for (const doc of docs) {
    const template = (doc.body['spec'] as { template?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined)
      ?.template;
    if (template?.spec) out.push({ doc, labels: template.metadata?.labels ?? {}, spec: template.spec });
  }
  return out;
}

/**
 * Every pod spec the manifests define, custom resources included: workload templates
 * (spec.template) and agent-sandbox's SandboxTemplate (spec.podTemplate).
 */
export function allPodSpecs(docs: ManifestDoc[]): { doc: ManifestDoc; labels: Record<string, string>; spec: PodSpec }[] {
  const out = podTemplates(docs);
  for (const doc of docs) {
    const template = (doc.body['spec'] as { podTemplate?: { metadata?: { labels?: Record<string, string> }; spec?: PodSpec } } | undefined)
      ?.podTemplate;
    if (template?.spec) out.push({ doc, labels: template.metadata?.labels ?? {}, spec: template.spec });
  }
  return out;
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  subPath?: string;
  readOnly?: boolean;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, { name?: string; key?: string; optional?: boolean }> }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  volumeMounts?: VolumeMount[];
  securityContext?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  tcpSocket?: { port: number | string };
  exec?: { command: string[] };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string }; secret?: { secretName: string } }[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  hostUsers?: boolean;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: { matchLabels?: Record<string, string> } }[];
  affinity?: { podAntiAffinity?: Record<string, unknown> };
  securityContext?: { runAsUser?: number; runAsNonRoot?: boolean; fsGroup?: number; seccompProfile?: { type: string } };
}
