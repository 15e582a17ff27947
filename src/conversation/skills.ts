import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { InvalidSkillNameError } from './errors.js';

/**
 * Skills: `skills/<name>/SKILL.md` in the workspace, with a small YAML-style frontmatter:
 *
 *     ---
 *     description: What the skill is for (shown to the model)
 *     always: false        # true = inlined in every system prompt
 *     tools: [exec, web_fetch]
 *     ---
 *     Instructions…
 *
 * Skills that are not `always` are listed with their description; the model loads one with
 * the `load_skill` tool, which uses `loadSkill` below.
 */

export interface SkillInfo {
  name: string;
  description: string;
  always: boolean;
  /** Tools the skill needs (informational). */
  tools: string[];
  /** Absolute path of SKILL.md. */
  path: string;
}

export interface Skill extends SkillInfo {
  /** The instructions: SKILL.md without its frontmatter. */
  content: string;
}

/** SKILL.md files larger than this are cut (head + tail would split instructions; keep the head). */
export const MAX_SKILL_CHARS = 100_000;
const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function isValidSkillName(name: string): boolean {
  return SKILL_NAME.test(name) && !name.includes('..');
}

export function skillsDir(workspace: string): string {
  return join(workspace, 'skills');
}

/** Every readable skill, sorted by name. Folders without SKILL.md or with odd names are skipped. */
export async function listSkills(workspace: string): Promise<SkillInfo[]> {
  let entries: string[];
  try {
    entries = await readdir(skillsDir(workspace));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const skills: SkillInfo[] = [];
  for (const name of entries.sort()) {
    if (!isValidSkillName(name)) continue;
    const skill = await readSkill(workspace, name);
    if (skill) {
      const { content: _content, ...info } = skill;
      skills.push(info);
    }
  }
  return skills;
}

/**
 * One skill with its instructions, or null when there is no such skill.
 * Throws `InvalidSkillNameError` for names that are not a plain folder name.
 */
export async function loadSkill(workspace: string, name: string): Promise<Skill | null> {
  if (!isValidSkillName(name)) throw new InvalidSkillNameError(name);
  return readSkill(workspace, name);
}

async function readSkill(workspace: string, name: string): Promise<Skill | null> {
  const path = join(skillsDir(workspace), name, 'SKILL.md');
  let text: string;
  try {
    // A symlink may not lead out of the skills folder.
    const [real, root] = await Promise.all([realpath(path), realpath(skillsDir(workspace))]);
    if (!real.startsWith(root + sep)) return null;
    const info = await stat(real);
    if (!info.isFile()) return null;
    text = await readHead(real, MAX_SKILL_CHARS * 4);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES') return null;
    throw error;
  }
  const { fields, body } = parseFrontmatter(text);
  let content = body.trim();
  if (content.length > MAX_SKILL_CHARS) content = `${content.slice(0, MAX_SKILL_CHARS)}\n\n[SKILL.md truncated]`;
  const description =
    typeof fields.description === 'string' && fields.description.trim() !== ''
      ? fields.description.trim()
      : firstLine(content) || name;
  return {
    name,
    description,
    always: fields.always === true || fields.always === 'true',
    tools: Array.isArray(fields.tools) ? fields.tools : typeof fields.tools === 'string' ? splitList(fields.tools) : [],
    path,
    content,
  };
}

async function readHead(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

export type FrontmatterValue = string | boolean | string[];

/**
 * Reads `key: value` pairs between leading `---` lines. Values may be quoted; `true`/`false`
 * become booleans; lists are `[a, b]` or indented `- a` lines. Anything else is ignored.
 */
export function parseFrontmatter(text: string): { fields: Record<string, FrontmatterValue>; body: string } {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const match = /^---\n([\s\S]*?)\n---[ \t]*(?:\n|$)/.exec(normalized);
  if (!match) return { fields: {}, body: normalized };
  const fields: Record<string, FrontmatterValue> = {};
  let listKey: string | undefined;
  for (const line of match[1]!.split('\n')) {
    const item = /^\s+-\s+(.*)$/.exec(line);
    if (item && listKey !== undefined) {
      const list = fields[listKey];
      fields[listKey] = [...(Array.isArray(list) ? list : []), unquote(item[1]!)];
      continue;
    }
    const pair = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!pair) continue;
    const key = pair[1]!;
    const raw = pair[2]!.trim();
    listKey = raw === '' ? key : undefined;
    if (raw === '') continue;
    if (raw.startsWith('[') && raw.endsWith(']')) fields[key] = splitList(raw.slice(1, -1));
    else if (/^(true|false)$/i.test(raw)) fields[key] = raw.toLowerCase() === 'true';
    else fields[key] = unquote(raw);
  }
  return { fields, body: normalized.slice(match[0].length) };
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) {
    return v.slice(1, -1);
  }
  return v;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map(unquote)
    .filter((item) => item !== '');
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^#+\s*/, '').trim().slice(0, 200);
}
