import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './manifests.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: { path: string; required?: boolean }[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  stop_grace_period?: string;
  network_mode?: string;
  depends_on?: Record<string, { condition: string }>;
}

const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
// `merge: true` resolves the `<<: *worker` anchors, as Compose does.
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

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
