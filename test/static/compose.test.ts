import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './manifests.js';
import { compiledSource, isSandboxRunnerCommand, isWorkerCommand, overlaps } from './trust-domains.js';

interface Service {
  image?: string;
  build?: unknown;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required?: boolean }[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  network_mode?: string;
  networks?: string[];
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  healthcheck?: { test?: string[] };
}

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// `merge: true` resolves the `<<: *worker` anchors, as Compose does.
const compose = parse(text, { merge: true }) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  networks: Record<string, { internal?: boolean } | null>;
};
const services = compose.services;
const workers = Object.entries(services).filter(([, s]) => isWorkerCommand(s.command));

/** Named-volume mounts as [volume, path] ("workspace:/workspace" → ["workspace", "/workspace"]). */
function namedMounts(service: Service): [string, string][] {
  return (service.volumes ?? []).map((v) => v.split(':') as [string, string]).filter(([source]) => !source.startsWith('.') && !source.startsWith('/'));
}

/** The state volume(s) the workers mount at EXOCLAW_STATE_DIR. */
function stateVolumes(all: Record<string, Service>): Set<string> {
  const names = new Set<string>();
  for (const service of Object.values(all).filter((s) => isWorkerCommand(s.command))) {
    const path = service.environment?.['EXOCLAW_STATE_DIR'];
    for (const [volume, at] of namedMounts(service)) if (at === path) names.add(volume);
  }
  return names;
}

/** Services other than the workers that mount a state volume. */
function stateLeaks(all: Record<string, Service>): string[] {
  const states = stateVolumes(all);
  return Object.entries(all)
    .filter(([, s]) => !isWorkerCommand(s.command))
    .flatMap(([name, s]) => namedMounts(s).filter(([volume]) => states.has(volume)).map(([volume, at]) => `${name}: ${volume}:${at}`));
}

function compileSchema() {
  const schema = JSON.parse(readFileSync(join(ROOT, 'test', 'static', 'fixtures', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
  delete schema['$schema']; // draft-07, Ajv's default; the URI spelling in the file is not one Ajv knows
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

function seconds(duration: string | undefined): number {
  const m = /^(\d+)(s|m)$/.exec(duration ?? '');
  return m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : 0;
}

describe('docker-compose.yml', () => {
  const validate = compileSchema();

  it('is valid against the Compose Specification schema', () => {
    // Validated after YAML merge keys are resolved, as `docker compose config` does.
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check catches a broken file (so a pass means something)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    (broken.services['worker-a'] as Record<string, unknown>)['restart_policy'] = 'always';
    expect(validate(broken)).toBe(false);
  });

  it('runs a Temporal dev server with a persistent SQLite file and the Web UI on 8233', () => {
    const temporal = services['temporal'] as Service;
    expect(temporal.command?.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(temporal.command).toContain('0.0.0.0');
    const db = temporal.command?.[(temporal.command?.indexOf('--db-filename') ?? -2) + 1] ?? '';
    const mount = temporal.volumes?.find((v) => db.startsWith(`${v.split(':')[1]}/`));
    expect(mount, 'the SQLite file is on a volume').toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(mount?.split(':')[0]);
    expect(temporal.ports).toContain('8233:8233');
  });

  it('runs two workers with distinct identities on one shared workspace volume', () => {
    const workers = Object.entries(services).filter(([, s]) => s.command?.[0] === 'worker');
    expect(workers.map(([name]) => name).sort()).toEqual(['worker-a', 'worker-b']);
    const identities = workers.map(([, s]) => s.command?.[(s.command?.indexOf('--identity') ?? -2) + 1]);
    expect(new Set(identities).size).toBe(2);
    for (const [name, worker] of workers) {
      expect(worker.volumes, name).toContain(`workspace:${worker.environment?.['EXOCLAW_WORKSPACE']}`);
      expect(worker.environment?.['TEMPORAL_ADDRESS'], name).toBe('temporal:7233');
      expect(worker.depends_on?.['temporal']?.condition).toBe('service_healthy');
      // Longer than the worker's 10 s shutdown grace, or Docker SIGKILLs a draining worker.
      expect(seconds(worker.stop_grace_period), name).toBeGreaterThan(10);
      expect(worker.env_file, name).toEqual([{ path: '.env', required: false }]);
      expect(Object.keys(worker.environment ?? {}).filter((k) => /KEY|SECRET|TOKEN/.test(k)), 'keys come from .env only').toEqual([]);
    }
  });

  it('every worker mounts the workspace and the state root at the configured paths, on separate volumes', () => {
    expect(workers.length).toBe(2);
    for (const [name, worker] of workers) {
      const workspace = worker.environment?.['EXOCLAW_WORKSPACE'] ?? '';
      const state = worker.environment?.['EXOCLAW_STATE_DIR'] ?? '';
      expect(state, `${name}: EXOCLAW_STATE_DIR`).toMatch(/^\//);
      expect(overlaps(workspace, state), `${name}: ${state} vs ${workspace}`).toBe(false);
      const mounts = namedMounts(worker);
      const workspaceVolume = mounts.find(([, at]) => at === workspace)?.[0];
      const stateVolume = mounts.find(([, at]) => at === state)?.[0];
      expect(stateVolume, `${name}: a volume at ${state}`).toBeDefined();
      expect(stateVolume).not.toBe(workspaceVolume);
      expect(Object.keys(compose.volumes)).toContain(stateVolume);
    }
  });

  it('nothing but the workers mounts the state volume: not the sidecars, not the exec sandbox, not Temporal', () => {
    expect([...stateVolumes(services)]).toEqual(['state']);
    expect(stateLeaks(services)).toEqual([]);
  });

  it('the check does catch another service mounting the state (so a pass means something)', () => {
    const broken = structuredClone(services);
    (broken['exec-sandbox'] as Service).volumes?.push('state:/mnt/state');
    (broken['scripted-llm-a'] as Service).volumes = ['state:/state'];
    expect(stateLeaks(broken)).toEqual(['exec-sandbox: state:/mnt/state', 'scripted-llm-a: state:/state']);
  });

  it('exec runs in the sandbox service: workers send it there and opt into no weaker isolation', () => {
    for (const [name, worker] of workers) {
      const url = new URL(worker.environment?.['EXOCLAW_SANDBOX_URL'] ?? '', 'http://unset');
      const sandbox = services[url.hostname];
      expect(sandbox, `${name}: EXOCLAW_SANDBOX_URL names a service`).toBeDefined();
      expect(isSandboxRunnerCommand(sandbox?.entrypoint), `${url.hostname} runs the sandbox runner`).toBe(true);
      expect(sandbox?.environment?.['PORT']).toBe(url.port);
      expect(worker.environment?.['EXOCLAW_EXEC_ISOLATION'], name).not.toBe('none');
      expect(worker.networks?.filter((n) => sandbox?.networks?.includes(n)), `${name} shares a network with ${url.hostname}`).not.toEqual([]);
      expect(worker.depends_on?.[url.hostname]?.condition).toBe('service_healthy');
    }
    for (const [name, service] of Object.entries(services)) {
      expect((service.security_opt ?? []).filter((o) => /unconfined/.test(o)), `${name}: no seccomp/apparmor/systempaths opt-out`).toEqual([]);
    }
  });

  it('the exec sandbox mounts the workers\' workspace at its SANDBOX_ROOT and holds nothing worth stealing', () => {
    const [[, worker]] = workers as [[string, Service]];
    const sandbox = services['exec-sandbox'] as Service;
    const workspaceVolume = namedMounts(worker).find(([, at]) => at === worker.environment?.['EXOCLAW_WORKSPACE'])?.[0];
    expect(namedMounts(sandbox)).toEqual([[workspaceVolume, sandbox.environment?.['SANDBOX_ROOT']]]);
    expect(sandbox.env_file).toBeUndefined();
    expect(Object.keys(sandbox.environment ?? {}).filter((k) => /KEY|SECRET|TOKEN|PASSWORD/.test(k))).toEqual([]);
    expect(sandbox.read_only).toBe(true);
    expect(sandbox.cap_drop).toEqual(['ALL']);
    expect(sandbox.security_opt).toContain('no-new-privileges:true');
    // The image the workers build (Compose skips pulling an image another service builds).
    expect(sandbox.image).toBe(worker.image);
    expect(compiledSource(sandbox.entrypoint?.[1] ?? '')).toBe('src/tools/sandbox-runner.ts');
    // The image's HEALTHCHECK probes the worker's port; the runner listens on PORT.
    expect(sandbox.healthcheck?.test?.join(' ')).toContain(`:${sandbox.environment?.['PORT']}/healthz`);
  });

  it('the exec sandbox is only on internal networks: no Temporal, no host ports, no internet', () => {
    const sandbox = services['exec-sandbox'] as Service;
    expect(sandbox.networks?.length).toBeGreaterThan(0);
    for (const network of sandbox.networks ?? []) {
      expect(compose.networks[network]?.internal, `network ${network}`).toBe(true);
      expect(services['temporal']?.networks ?? ['default']).not.toContain(network);
    }
  });

  it('offers the scripted LLM under a profile, as a loopback sidecar of each worker', () => {
    for (const worker of ['worker-a', 'worker-b']) {
      const [name, sidecar] = Object.entries(services).find(([, s]) => s.network_mode === `service:${worker}`) ?? [];
      expect(sidecar, `a scripted-llm sidecar for ${worker}`).toBeDefined();
      expect(sidecar?.profiles, name).toEqual(['scripted']);
      expect(sidecar?.command?.slice(0, 3), name).toEqual(['llm-server', '--host', '127.0.0.1']);
      const port = sidecar?.command?.[(sidecar?.command?.indexOf('--port') ?? -2) + 1];
      expect(services[worker]?.environment?.['EXOCLAW_SCRIPTED_LLM_URL']).toBe(`http://127.0.0.1:${port}`);
      expect(sidecar?.image).toBe(services[worker]?.image);
    }
  });

  it('builds the image from this repository', () => {
    expect(services['worker-a']?.build).toBe('.');
    expect(services['worker-b']?.image).toBe(services['worker-a']?.image);
  });
});
