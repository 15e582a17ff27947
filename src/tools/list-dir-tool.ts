import { lstat, opendir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { toolOutput, type ToolContext } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { fsError } from './fs-error.js';
import { resolveWorkspacePath } from '../workspace/workspace-path.js';

export interface ListDirToolOptions {
  workspace: string;
  /** Most entries shown (default 500); the rest are counted. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 500;

const ListDirArgs = z.object({
  path: z.string().optional().describe('Folder relative to the workspace root (default: the root)'),
});

interface Entry {
  name: string;
  line: string;
  isDir: boolean;
}

/** `list_dir`: the entries of a workspace folder with type markers and sizes. */
export function createListDirTool(opts: ListDirToolOptions) {
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  return defineTool({
    name: 'list_dir',
    bounded: true, // a local file operation: may run as a local activity
    description:
      'List a folder in the workspace. Folders end with "/", symbolic links show "@ -> target", ' +
      `files show their size. At most ${maxEntries} entries.`,
    args: ListDirArgs,
    async execute(args, _ctx: ToolContext) {
      const input = args.path ?? '.';
      try {
        const dir = await resolveWorkspacePath(opts.workspace, input, 'list');
        const names: string[] = [];
        let total = 0;
        // Stream the folder: a directory with millions of entries costs only the names kept.
        for await (const dirent of await opendir(dir.real)) {
          total += 1;
          names.push(dirent.name);
          if (names.length > maxEntries * 4) {
            names.sort();
            names.length = maxEntries;
          }
        }
        names.sort();
        const shown = names.slice(0, maxEntries);
        const entries = await Promise.all(shown.map((name) => describeEntry(dir.real, name)));
        entries.sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
        const header = `[${dir.display === '.' ? 'workspace root' : `${dir.display}/`}: ${total} entries]`;
        if (total === 0) return toolOutput(`${header}\n(empty)`);
        const lines = [header, ...entries.map((e) => e.line)];
        if (total > shown.length) lines.push(`[${total - shown.length} more entries not shown]`);
        return toolOutput(lines.join('\n'));
      } catch (error) {
        return fsError(error, `list ${input}`);
      }
    },
  });
}

async function describeEntry(dir: string, name: string): Promise<Entry> {
  const full = path.join(dir, name);
  try {
    const s = await lstat(full);
    if (s.isDirectory()) return { name, line: `${name}/`, isDir: true };
    if (s.isSymbolicLink()) {
      const target = await readlink(full).catch(() => '?');
      return { name, line: `${name}@ -> ${target}`, isDir: false };
    }
    if (s.isFile()) return { name, line: `${name}  ${formatSize(s.size)}`, isDir: false };
    const kind = s.isFIFO() ? 'fifo' : s.isSocket() ? 'socket' : 'device';
    return { name, line: `${name}  (${kind})`, isDir: false };
  } catch {
    return { name, line: `${name}  (vanished)`, isDir: false };
  }
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
}
