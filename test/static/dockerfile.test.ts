import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { ROOT } from './manifests.js';
import { overlaps } from './trust-domains.js';

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const lines = text.split('\n');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();
const froms = dockerfile.getFROMs();
const argDefaults = new Map(
  instructions.filter((i) => i.getKeyword() === 'ARG').map((i) => (i.getArgumentsContent() ?? '').split('=') as [string, string]),
);
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** The instructions of one build stage (by its AS name). */
function stage(name: string): Instruction[] {
  const index = froms.findIndex((f) => f.getBuildStage() === name);
  const start = froms[index]?.getRange().start.line ?? -1;
  const end = froms[index + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY;
  return instructions.filter((i) => i.getRange().start.line > start && i.getRange().start.line < end);
}
const args = (i: Instruction): string => (i.getArgumentsContent() ?? '').replace(/\\\n/g, ' ');
const lineOf = (i: Instruction): string => lines[i.getRange().start.line] ?? '';
const build = stage('build');
const runtime = stage('runtime');

/** Relative imports reachable from an entry file (ESM `.js` specifiers map to `.ts` sources). */
function importGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const spec = resolve(dirname(file), m[1] as string);
      const candidates = [spec, spec.replace(/\.js$/, '.ts'), `${spec}.ts`, join(spec, 'index.ts')];
      const found = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
      if (found && /\.(ts|js|mjs)$/.test(found)) queue.push(found);
    }
  }
  return seen;
}

describe('Dockerfile', () => {
  it('passes the Dockerfile linter (dockerfile-utils) with no errors or warnings', () => {
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('is multi-stage: a build stage and a node:20-slim runtime stage', () => {
    expect(froms.map((f) => f.getBuildStage())).toEqual(['build', 'runtime']);
    for (const from of froms) {
      const image = (from.getImage() ?? '').replace(/\$\{(\w+)\}/, (_, name: string) => argDefaults.get(name) ?? '');
      expect(image).toBe('node:20-slim');
    }
  });

  it('pre-bundles the workflows in the build stage and ships only the bundle', () => {
    expect(build.some((i) => i.getKeyword() === 'RUN' && args(i).includes('npm run build:workflows'))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:workflows']).toBeDefined();
    const copyBuild = runtime.find((i) => i.getKeyword() === 'COPY' && lineOf(i).includes('--from=build'));
    expect(args(copyBuild as Instruction)).toContain('/app/dist');
    // the worker looks there (src/temporal/workflow-bundle.ts) or at $EXOCLAW_WORKFLOW_BUNDLE
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map(args).join(' ');
    expect(env).toContain('EXOCLAW_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js');
  });

  it('installs production dependencies only in the runtime stage', () => {
    const runs = runtime.filter((i) => i.getKeyword() === 'RUN').map(args);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    expect(runs.some((r) => /npm (ci|install)(?!.*--omit=dev)/.test(r))).toBe(false);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['tsx'], 'the image runs compiled JavaScript: no TypeScript at run time').toBeUndefined();
  });

  it('runs as a non-root user with the workspace as a volume', () => {
    const user = runtime.filter((i) => i.getKeyword() === 'USER').map(args).pop() ?? '';
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toMatch(/^10001:10001$/);
    const volume = runtime.find((i) => i.getKeyword() === 'VOLUME');
    expect(args(volume as Instruction)).toContain('/workspace');
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map(args).join(' ');
    expect(env).toContain('EXOCLAW_WORKSPACE=/workspace');
  });

  it('declares the state root as a volume of its own, beside the workspace and outside it', () => {
    const env = runtime.filter((i) => i.getKeyword() === 'ENV').map(args).join(' ');
    const workspace = /EXOCLAW_WORKSPACE=(\S+)/.exec(env)?.[1] ?? '';
    const state = /EXOCLAW_STATE_DIR=(\S+)/.exec(env)?.[1] ?? '';
    expect(state).toBe('/state');
    expect(overlaps(workspace, state)).toBe(false);
    const volumes = runtime.filter((i) => i.getKeyword() === 'VOLUME').flatMap((i) => JSON.parse(args(i)) as string[]);
    expect(volumes.sort()).toEqual([state, workspace].sort());
  });

  it('creates both folders owned by the image user, so fresh named volumes start writable for it', () => {
    const runs = runtime.filter((i) => i.getKeyword() === 'RUN').map(args);
    const setup = runs.find((r) => r.includes('useradd')) ?? '';
    const uid = /useradd[^&]*--uid (\d+)/.exec(setup)?.[1];
    const name = /useradd[^&]*\s(\w+)\s*(?:&&|$)/.exec(setup)?.[1];
    expect(runtime.filter((i) => i.getKeyword() === 'USER').map(args).pop()).toBe(`${uid}:${uid}`);
    const mkdir = /mkdir -p ([^&]+)/.exec(setup)?.[1]?.trim().split(/\s+/) ?? [];
    const chown = /chown (\S+) ([^&]+)/.exec(setup);
    expect(chown?.[1]).toBe(`${name}:${name}`);
    for (const dir of ['/workspace', '/state']) {
      expect(mkdir, `mkdir ${dir}`).toContain(dir);
      expect(chown?.[2]?.trim().split(/\s+/), `chown ${dir}`).toContain(dir);
    }
  });

  it('installs bubblewrap in the runtime stage (exec isolation on hosts that allow user namespaces)', () => {
    const runs = runtime.filter((i) => i.getKeyword() === 'RUN').map(args);
    expect(runs.some((r) => /apt-get install\b[^&]*\bbubblewrap\b/.test(r))).toBe(true);
  });

  it('starts the worker through the bin script, with a health check on the health port', () => {
    const entrypoint = runtime.find((i) => i.getKeyword() === 'ENTRYPOINT');
    expect(JSON.parse(args(entrypoint as Instruction))).toEqual(['node', 'bin/exoclaw-temporal.js']);
    const cmd = runtime.find((i) => i.getKeyword() === 'CMD');
    expect(JSON.parse(args(cmd as Instruction))).toEqual(['worker']);
    const health = runtime.find((i) => i.getKeyword() === 'HEALTHCHECK');
    expect(args(health as Instruction)).toContain('/healthz');
    const port = /EXOCLAW_HEALTH_PORT=(\d+)/.exec(runtime.filter((i) => i.getKeyword() === 'ENV').map(args).join(' '))?.[1];
    expect(runtime.find((i) => i.getKeyword() === 'EXPOSE')?.getArgumentsContent()).toBe(port);
  });

  it('builds every source file the CLI imports and ships only the compiled output', () => {
    const copied = build
      .filter((i) => i.getKeyword() === 'COPY' && !lineOf(i).includes('--from='))
      .flatMap((i) => args(i).split(/\s+/).slice(0, -1));
    const shipped = runtime.filter((i) => i.getKeyword() === 'COPY').map(args);
    expect(shipped.some((a) => a.includes('src'))).toBe(false);
    expect(shipped.some((a) => a.includes('/app/dist ./dist'))).toBe(true);
    for (const path of copied) {
      expect(existsSync(join(ROOT, path)), `${path} exists`).toBe(true);
      expect(dockerignore, `${path} is not excluded by .dockerignore`).not.toContain(path);
    }
    const topDirs = new Set(
      [...importGraph(join(ROOT, 'bin', 'exoclaw-temporal.js')), ...importGraph(join(ROOT, 'src', 'cli.ts'))].map(
        (file) => relative(ROOT, file).split('/')[0] as string,
      ),
    );
    expect(topDirs.size).toBeGreaterThan(2);
    for (const dir of topDirs) expect(copied, `the runtime image needs ${dir}/`).toContain(dir);
  });

  it('.dockerignore keeps secrets, local state and node_modules out of the build context', () => {
    for (const entry of ['.env', '.git', 'node_modules', '.temporal', '.exoclaw', 'dist']) expect(dockerignore).toContain(entry);
    for (const needed of ['scripts', 'package-lock.json', 'tsconfig.json']) expect(dockerignore).not.toContain(needed);
  });
});
