#!/usr/bin/env node
// `npm run lock:complete`: add lock entries for platform-specific optional packages
// (@swc/core-darwin-arm64, @rollup/rollup-win32-x64-msvc, ...) that are missing from
// package-lock.json. npm 11's `npm ci` refuses a lock that lacks them ("Missing: X@ from
// lock file"), and npm omits them when the registry (a filtered mirror) 404s on other
// platforms' packages. Each added entry carries os/cpu/libc, so npm skips it on
// non-matching machines without fetching. Safe to re-run; `npm install` preserves them.
import { readFileSync, writeFileSync } from 'node:fs';

const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'];

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const [path, meta] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = path === '' ? `node_modules/${name}` : `${path}/node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os || !cpu) continue; // not a platform binary package: leave it to npm
    const entry = { version, dev: meta.dev, optional: true, os: [os], cpu: [cpu] };
    if (os === 'linux') entry.libc = [parts.some((p) => p.startsWith('musl')) ? 'musl' : 'glibc'];
    lock.packages[`node_modules/${name}`] = entry;
    added.push(`${name}@${version}`);
  }
}
if (added.length > 0) {
  const sorted = Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en')));
  lock.packages = Object.fromEntries(sorted);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(added.length ? `Added ${added.length} lock entries: ${added.join(', ')}` : 'Lockfile already complete.');
