import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'exoclaw-temporal';

/** The package root: the nearest ancestor of this module (src/ or dist/src/) owning our package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === PACKAGE_NAME) return dir;
    } catch {
      // no package.json here; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/**
 * A module path relative to the calling module, whether the caller runs from its TypeScript
 * source (a clone, tsx) or from the compiled JavaScript (dist/, the package): `x.js` or `x.ts`.
 */
export function moduleBeside(callerUrl: string, relativeJs: string): string {
  const js = fileURLToPath(new URL(relativeJs, callerUrl));
  const ts = js.replace(/\.js$/, '.ts');
  return existsSync(js) || !existsSync(ts) ? js : ts;
}
