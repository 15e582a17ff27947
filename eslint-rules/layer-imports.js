// The layer boundaries of the README's layer table as an allow-list: a file in a sandbox-safe layer may import
// only the packages and project folders its layer names; everything else is an error. Relative
// imports are resolved against the importing file, so a deeper folder cannot sneak past.
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

function within(file, dir) {
  return file === dir || file.startsWith(`${dir}/`);
}

export const layerImports = {
  meta: {
    type: 'problem',
    docs: { description: 'Allow-list of imports for sandbox-safe layers (workflows, core, contract)' },
    schema: [
      {
        type: 'object',
        properties: {
          layer: { type: 'string' },
          packages: { type: 'array', items: { type: 'string' } },
          typeOnlyPackages: { type: 'array', items: { type: 'string' } },
          dirs: { type: 'array', items: { type: 'string' } },
          typeOnlyDirs: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const options = context.options[0] ?? {};
    const packages = new Set(options.packages ?? []);
    const typeOnlyPackages = new Set(options.typeOnlyPackages ?? []);
    const dirs = options.dirs ?? [];
    const typeOnlyDirs = options.typeOnlyDirs ?? [];
    const root = context.cwd;
    const fileDir = path.dirname(path.relative(root, context.filename)).split(path.sep).join('/');
    const allowed = [
      ...[...packages].map((p) => `'${p}'`),
      ...dirs.map((d) => `${d}/`),
      ...typeOnlyDirs.map((d) => `${d}/ (types only)`),
      ...[...typeOnlyPackages].map((p) => `'${p}' (types only)`),
    ].join(', ');
    const why = `${options.layer ?? 'This layer'} runs in Temporal's workflow sandbox and may import only ${allowed}`;

    function check(node, source) {
      if (!source || typeof source.value !== 'string') return;
      const specifier = source.value;
      const typeOnly = isTypeOnly(node);
      if (specifier.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(fileDir, specifier));
        if (dirs.some((d) => within(target, d))) return;
        if (typeOnly && typeOnlyDirs.some((d) => within(target, d))) return;
        const hint = typeOnlyDirs.some((d) => within(target, d)) ? ' Use `import type`.' : ' Go through an activity instead.';
        context.report({ node, message: `${target} is off limits: ${why}.${hint}` });
        return;
      }
      const name = specifier.startsWith('node:') || BUILTINS.has(packageOf(specifier)) ? 'node built-in' : packageOf(specifier);
      if (packages.has(name)) return;
      if (typeOnly && typeOnlyPackages.has(name)) return;
      context.report({ node, message: `'${specifier}' (${name}) is off limits: ${why}.` });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
    };
  },
};

export default { rules: { 'layer-imports': layerImports } };
