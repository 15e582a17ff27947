import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../src/core/tool.js';
import { ToolRegistry } from '../../src/core/tool-registry.js';
import { createEditFileTool } from '../../src/tools/edit-file-tool.js';
import { createListDirTool } from '../../src/tools/list-dir-tool.js';
import { createReadFileTool } from '../../src/tools/read-file-tool.js';
import { createWriteFileTool } from '../../src/tools/write-file-tool.js';
import { open } from 'node:fs/promises';
import { resolveWorkspacePath, verifyOpenedInside } from '../../src/workspace/workspace-path.js';
import { textTool, type TextTool } from '../support/text-tool.js';

const ctx: ToolContext = { sessionId: 'test:files' };
let base: string;
let ws: string;
let outside: string;
let tools: { read: TextTool<unknown>; write: TextTool<unknown>; edit: TextTool<unknown>; list: TextTool<unknown> };

/** A fingerprint of every file under a folder, to prove nothing there changed. */
function snapshot(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      const s = statSync(full, { throwIfNoEntry: false });
      hash.update(`${full}:${s?.isDirectory() ? 'dir' : s?.size}\n`);
      if (s?.isDirectory()) walk(full);
      else if (s?.isFile()) hash.update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'exoclaw-files-'));
  ws = join(base, 'workspace');
  outside = join(base, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'TOP-SECRET\n');
  writeFileSync(join(outside, 'target.txt'), 'outside original\n');
  mkdirSync(join(ws, 'sessions'));
  writeFileSync(join(ws, 'sessions', 'telegram_1.jsonl'), '{"_type":"metadata"}\n');
  writeFileSync(join(ws, 'inside.txt'), 'inside\n');
  writeFileSync(join(ws, 'twice.txt'), 'alpha\nfoo = 1\nbeta\nfoo = 1\n');
  writeFileSync(join(ws, 'code.ts'), 'function greet(name: string) {\n  return `hello ${name}`;\n}\n');
  symlinkSync('/etc', join(ws, 'etc-link'));
  symlinkSync(outside, join(ws, 'outside-dir-link'));
  symlinkSync(join(outside, 'secret.txt'), join(ws, 'secret-link.txt'));
  symlinkSync('inside.txt', join(ws, 'inside-link.txt'));
  symlinkSync('sessions', join(ws, 'sessions-link'));
  symlinkSync('/nonexistent/dir', join(ws, 'dangling'));
  linkSync(join(outside, 'target.txt'), join(ws, 'hardlinked.txt'));
  execFileSync('mkfifo', [join(ws, 'pipe')]);
  // 50 MB of numbered lines.
  const fd = openSync(join(ws, 'big.log'), 'w');
  const line = `${'x'.repeat(99)}\n`;
  const block = line.repeat(10_000); // ~1 MB
  for (let i = 0; i < 50; i++) writeSync(fd, block);
  closeSync(fd);
  tools = {
    read: textTool(createReadFileTool({ workspace: ws })),
    write: textTool(createWriteFileTool({ workspace: ws })),
    edit: textTool(createEditFileTool({ workspace: ws })),
    list: textTool(createListDirTool({ workspace: ws })),
  };
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

interface HostileCase {
  name: string;
  tool: keyof typeof tools;
  args: Record<string, unknown>;
  expect: RegExp;
}

const hostile: HostileCase[] = [
  { name: 'dot-dot escape', tool: 'read', args: { path: '../../etc/passwd' }, expect: /outside the workspace/ },
  { name: 'dot-dot into sibling', tool: 'read', args: { path: '../outside/secret.txt' }, expect: /outside the workspace/ },
  { name: 'absolute path outside', tool: 'read', args: { path: '/etc/passwd' }, expect: /absolute path .* outside the workspace/ },
  { name: 'home directory', tool: 'read', args: { path: '~/.ssh/id_rsa' }, expect: /home directory/ },
  { name: 'symlink to /etc, read through it', tool: 'read', args: { path: 'etc-link/passwd' }, expect: /symbolic link/ },
  { name: 'symlinked file pointing outside', tool: 'read', args: { path: 'secret-link.txt' }, expect: /symbolic link/ },
  { name: 'symlinked parent directory', tool: 'read', args: { path: 'outside-dir-link/secret.txt' }, expect: /symbolic link/ },
  { name: 'dangling symlink to outside', tool: 'read', args: { path: 'dangling/x' }, expect: /symbolic link/ },
  { name: 'NUL byte', tool: 'read', args: { path: 'inside.txt\0.png' }, expect: /NUL byte/ },
  { name: 'FIFO (must not hang)', tool: 'read', args: { path: 'pipe' }, expect: /FIFO/ },
  { name: 'directory as file', tool: 'read', args: { path: 'sessions' }, expect: /is a directory; use list_dir/ },
  { name: 'missing file', tool: 'read', args: { path: 'nope.txt' }, expect: /does not exist/ },
  { name: 'write into sessions/', tool: 'write', args: { path: 'sessions/telegram_1.jsonl', content: 'x' }, expect: /sessions\/.*may not modify/ },
  { name: 'write new file into sessions/', tool: 'write', args: { path: 'sessions/new.jsonl', content: 'x' }, expect: /conversation store/ },
  { name: 'write into Sessions/ (case)', tool: 'write', args: { path: 'Sessions/x.jsonl', content: 'x' }, expect: /conversation store/ },
  { name: 'write via ./sessions/../sessions', tool: 'write', args: { path: './sessions/../sessions/x.jsonl', content: 'x' }, expect: /conversation store/ },
  { name: 'write via symlink to sessions', tool: 'write', args: { path: 'sessions-link/x.jsonl', content: 'x' }, expect: /conversation store/ },
  { name: 'write absolute into sessions', tool: 'write', args: { path: '__WS__/sessions/y.jsonl', content: 'x' }, expect: /conversation store/ },
  { name: 'edit a session file', tool: 'edit', args: { path: 'sessions/telegram_1.jsonl', old_text: 'metadata', new_text: 'x' }, expect: /conversation store/ },
  { name: 'write to a hardlink', tool: 'write', args: { path: 'hardlinked.txt', content: 'pwned' }, expect: /hard links/ },
  { name: 'edit a hardlink', tool: 'edit', args: { path: 'hardlinked.txt', old_text: 'outside', new_text: 'pwned' }, expect: /hard links/ },
  { name: 'write through symlink to outside', tool: 'write', args: { path: 'secret-link.txt', content: 'pwned' }, expect: /symbolic link/ },
  { name: 'write through in-workspace symlink', tool: 'write', args: { path: 'inside-link.txt', content: 'x' }, expect: /symbolic link/ },
  { name: 'write under symlinked parent', tool: 'write', args: { path: 'outside-dir-link/new.txt', content: 'pwned' }, expect: /symbolic link/ },
  { name: 'write creating dirs under symlink', tool: 'write', args: { path: 'outside-dir-link/a/b/c.txt', content: 'pwned' }, expect: /symbolic link/ },
  { name: 'write outside with ..', tool: 'write', args: { path: 'notes/../../outside/new.txt', content: 'pwned' }, expect: /outside the workspace/ },
  { name: 'write absolute outside', tool: 'write', args: { path: '/tmp/exoclaw-pwned.txt', content: 'pwned' }, expect: /outside the workspace/ },
  { name: 'write the FIFO', tool: 'write', args: { path: 'pipe', content: 'x' }, expect: /FIFO/ },
  { name: 'write the root', tool: 'write', args: { path: '.', content: 'x' }, expect: /root itself/ },
  { name: 'list outside with ..', tool: 'list', args: { path: '..' }, expect: /outside the workspace/ },
  { name: 'list through symlink to /etc', tool: 'list', args: { path: 'etc-link' }, expect: /symbolic link/ },
  { name: 'list absolute outside', tool: 'list', args: { path: '/' }, expect: /outside the workspace/ },
];

describe('file tools refuse hostile paths', () => {
  it.each(hostile)('$name', async (c) => {
    const before = snapshot(outside);
    const sessionsBefore = snapshot(join(ws, 'sessions'));
    const args = Object.fromEntries(
      Object.entries(c.args).map(([k, v]) => [k, typeof v === 'string' ? v.replace('__WS__', ws) : v]),
    );
    const result = await tools[c.tool].execute(args, ctx);
    expect(result).toMatch(/^Error: /);
    expect(result).toMatch(c.expect);
    expect(result).not.toContain('TOP-SECRET');
    expect(result).not.toContain('root:'); // /etc/passwd content
    expect(snapshot(outside)).toBe(before);
    expect(snapshot(join(ws, 'sessions'))).toBe(sessionsBefore);
  });

  it('leaves no stray files behind and never created anything outside', () => {
    expect(readdirSync(outside).sort()).toEqual(['secret.txt', 'target.txt']);
    expect(readFileSync(join(outside, 'target.txt'), 'utf8')).toBe('outside original\n');
    expect(readdirSync(ws).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(ws)).not.toContain('Sessions');
    expect(statSync('/tmp/exoclaw-pwned.txt', { throwIfNoEntry: false })).toBeUndefined();
  });
});

describe('read_file', () => {
  it('caps a 50 MB file per call and says how to page on', async () => {
    const result = await tools.read.execute({ path: 'big.log' }, ctx);
    expect(result.length).toBeLessThan(128 * 1024 + 500);
    expect(result.startsWith('[lines 1-')).toBe(true);
    expect(result).toContain('of 500000]');
    expect(result).toMatch(/per-call limit; \d+ more lines: continue with offset=\d+/);
    const next = Number(/offset=(\d+)/.exec(result)?.[1]);
    const page2 = await tools.read.execute({ path: 'big.log', offset: next, limit: 3 }, ctx);
    expect(page2.split('\n')[0]).toBe(`[lines ${next}-${next + 2} of 500000]`);
  });

  it('returns a 1-based line window with a header', async () => {
    writeFileSync(join(ws, 'lines.txt'), 'one\ntwo\nthree\nfour\nfive');
    expect(await tools.read.execute({ path: 'lines.txt', offset: 2, limit: 2 }, ctx)).toBe(
      '[lines 2-3 of 5]\ntwo\nthree\n[2 more lines: continue with offset=4]',
    );
    expect(await tools.read.execute({ path: 'lines.txt', offset: 4 }, ctx)).toBe('[lines 4-5 of 5]\nfour\nfive');
    expect(await tools.read.execute({ path: 'lines.txt', offset: 9 }, ctx)).toMatch(/^Error: offset 9 is past the end .* 5 lines/);
  });

  it('reads through a symlink that stays inside, and accepts absolute paths inside the root', async () => {
    expect(await tools.read.execute({ path: 'inside-link.txt' }, ctx)).toBe('[lines 1-1 of 1]\ninside');
    expect(await tools.read.execute({ path: join(ws, 'inside.txt') }, ctx)).toBe('[lines 1-1 of 1]\ninside');
  });

  it('refuses binary files and cuts a single enormous line', async () => {
    writeFileSync(join(ws, 'image.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
    expect(await tools.read.execute({ path: 'image.bin' }, ctx)).toMatch(/^Error: image.bin looks like a binary file/);
    writeFileSync(join(ws, 'minified.js'), 'a'.repeat(300_000));
    const result = await tools.read.execute({ path: 'minified.js' }, ctx);
    expect(result).toContain('[lines 1-1 of 1]');
    expect(result).toContain('is longer than 128 KB and was cut');
    expect(result.length).toBeLessThan(128 * 1024 + 300);
  });

  it('reports an empty file', async () => {
    writeFileSync(join(ws, 'empty.txt'), '');
    expect(await tools.read.execute({ path: 'empty.txt' }, ctx)).toBe('[empty.txt is empty]');
  });
});

describe('write_file', () => {
  it('creates parent folders and writes atomically', async () => {
    const result = await tools.write.execute({ path: 'notes/2024/todo.md', content: '- buy milk\n' }, ctx);
    expect(result).toBe('Created notes/2024/todo.md (11 bytes)');
    expect(readFileSync(join(ws, 'notes/2024/todo.md'), 'utf8')).toBe('- buy milk\n');
    expect(await tools.write.execute({ path: 'notes/2024/todo.md', content: 'done' }, ctx)).toBe('Wrote notes/2024/todo.md (4 bytes)');
    expect(readdirSync(join(ws, 'notes/2024'))).toEqual(['todo.md']);
  });

  it('refuses a directory as target and a path under a file', async () => {
    mkdirSync(join(ws, 'adir'), { recursive: true });
    expect(await tools.write.execute({ path: 'adir', content: 'x' }, ctx)).toMatch(/^Error: "adir" is a directory/);
    expect(await tools.write.execute({ path: 'inside.txt/child.txt', content: 'x' }, ctx)).toMatch(
      /^Error: "inside.txt" is a file, not a directory/,
    );
  });
});

describe('edit_file', () => {
  it('replaces a unique exact match', async () => {
    const result = await tools.edit.execute({ path: 'code.ts', old_text: 'return `hello ${name}`;', new_text: 'return `hi ${name}!`;' }, ctx);
    expect(result).toBe('Edited code.ts: replaced 1 occurrence at line 2');
    expect(readFileSync(join(ws, 'code.ts'), 'utf8')).toBe('function greet(name: string) {\n  return `hi ${name}!`;\n}\n');
  });

  it('refuses ambiguous text, saying how many times it appears, and leaves the file unchanged', async () => {
    const before = readFileSync(join(ws, 'twice.txt'));
    const result = await tools.edit.execute({ path: 'twice.txt', old_text: 'foo = 1', new_text: 'foo = 2' }, ctx);
    expect(result).toMatch(/^Error: old_text appears 2 times in twice.txt; it must be unique/);
    expect(readFileSync(join(ws, 'twice.txt'))).toEqual(before);
  });

  it('points at the closest line when the text is missing, and leaves the file unchanged', async () => {
    const before = readFileSync(join(ws, 'code.ts'));
    const result = await tools.edit.execute(
      { path: 'code.ts', old_text: 'function greet(name: String) {\n  return 1;', new_text: 'x' },
      ctx,
    );
    expect(result).toMatch(/^Error: old_text was not found in code.ts; the file is unchanged/);
    expect(result).toContain('line 1: "function greet(name: string) {"');
    expect(readFileSync(join(ws, 'code.ts'))).toEqual(before);
  });

  it('matches LF text against a CRLF file', async () => {
    writeFileSync(join(ws, 'dos.txt'), 'a\r\nb\r\nc\r\n');
    expect(await tools.edit.execute({ path: 'dos.txt', old_text: 'a\nb', new_text: 'A\nB' }, ctx)).toMatch(/^Edited/);
    expect(readFileSync(join(ws, 'dos.txt'), 'utf8')).toBe('A\r\nB\r\nc\r\n');
  });
});

describe('list_dir', () => {
  it('lists entries with type markers and sizes', async () => {
    const result = await tools.list.execute({}, ctx);
    expect(result.split('\n')[0]).toMatch(/^\[workspace root: \d+ entries\]$/);
    expect(result).toContain('\nsessions/\n');
    expect(result).toContain('inside.txt  7 B');
    expect(result).toContain('etc-link@ -> /etc');
    expect(result).toContain('pipe  (fifo)');
    expect(result).toMatch(/big\.log {2}\d+\.\d MB/);
  });

  it('caps the number of entries', async () => {
    mkdirSync(join(ws, 'many'));
    for (let i = 0; i < 30; i++) writeFileSync(join(ws, 'many', `f${String(i).padStart(2, '0')}.txt`), '');
    const small = textTool(createListDirTool({ workspace: ws, maxEntries: 10 }));
    const result = await small.execute({ path: 'many' }, ctx);
    expect(result.split('\n')[0]).toBe('[many/: 30 entries]');
    expect(result).toContain('[20 more entries not shown]');
    expect(result.split('\n')).toHaveLength(12);
  });
});

describe('through the ToolRegistry', () => {
  it('validates arguments and treats __proto__ / constructor as unknown tools', async () => {
    const registry = new ToolRegistry(Object.values(tools).map((t) => t.tool));
    const missing = await registry.execute({ name: 'read_file', arguments: {} }, ctx);
    expect(missing.isError).toBe(true);
    expect(missing.output).toContain('missing required path');
    const cast = await registry.execute({ name: 'read_file', arguments: { path: 'lines.txt', offset: '2', limit: '1' } }, ctx);
    expect(cast.output).toBe('[lines 2-2 of 5]\ntwo\n[3 more lines: continue with offset=3]');
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const outcome = await registry.execute({ name, arguments: {} }, ctx);
      expect(outcome.isError).toBe(true);
      expect(outcome.output).toContain(`Tool '${name}' not found`);
    }
    const refused = await registry.execute({ name: 'read_file', arguments: { path: '/etc/passwd' } }, ctx);
    expect(refused.isError).toBe(true);
  });
});

describe('resolveWorkspacePath', () => {
  it('works when the workspace root itself is reached through a symlink', async () => {
    const alias = join(base, 'ws-alias');
    symlinkSync(ws, alias);
    const resolved = await resolveWorkspacePath(alias, 'inside.txt', 'read');
    expect(resolved.display).toBe('inside.txt');
    const reader = textTool(createReadFileTool({ workspace: alias }));
    expect(await reader.execute({ path: 'inside.txt' }, ctx)).toBe('[lines 1-1 of 1]\ninside');
    expect(await reader.execute({ path: `${alias}/inside.txt` }, ctx)).toBe('[lines 1-1 of 1]\ninside');
  });
});

describe('verifyOpenedInside (the re-check after open)', () => {
  it('rejects a descriptor whose real file is outside the root, accepts one inside', async () => {
    const root = realpathSync(ws);
    const outsideHandle = await open(join(outside, 'secret.txt'), 'r');
    try {
      await expect(verifyOpenedInside(outsideHandle, join(root, 'inside.txt'), root)).rejects.toThrow(/outside the workspace/);
    } finally {
      await outsideHandle.close();
    }
    const insideHandle = await open(join(ws, 'inside.txt'), 'r');
    try {
      expect((await verifyOpenedInside(insideHandle, join(root, 'inside.txt'), root)).isFile()).toBe(true);
    } finally {
      await insideHandle.close();
    }
  });
});
