import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import { listWorkspaceDir, readWorkspaceText } from '../workspace/workspace-text.js';
import { InvalidSkillNameError } from './errors.js';

/**
 * Skills: `skills/<name>/SKILL.md` in the workspace, with YAML frontmatter:
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

/**
 * Every readable skill, sorted by name. Folders without SKILL.md or with odd names are skipped, and
 * so is a `skills` that is not a real folder (a file, a link): one bad entry never breaks a prompt.
 */
export async function listSkills(workspace: string): Promise<SkillInfo[]> {
  const entries = await listWorkspaceDir(workspace, 'skills');
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
  // skills/ must be a real folder, and a skill must stay inside it (a linked skill folder may not
  // lead elsewhere, even within the workspace). Read like any file of the agent's: no links,
  // regular files only, never blocking, size-capped.
  const root = await lstat(skillsDir(workspace)).catch(() => undefined);
  if (!root?.isDirectory()) return null;
  const read = await readWorkspaceText(skillsDir(workspace), join(name, 'SKILL.md'), MAX_SKILL_CHARS * 4);
  if (!read.ok) return null;
  const text = read.text;
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

export type FrontmatterValue = string | boolean | string[];

/** Frontmatter longer than this is not looked for (the whole file is then instructions). */
export const MAX_FRONTMATTER_CHARS = 16_384;

/**
 * YAML for untrusted files: the core schema with no extra or YAML 1.1 tags, no merge keys, and
 * few aliases (a "billion laughs" document expands exponentially when converted).
 */
const YAML_OPTIONS = {
  schema: 'core',
  customTags: [],
  resolveKnownTags: false,
  merge: false,
  stringKeys: true,
  uniqueKeys: true,
  prettyErrors: false,
} satisfies ParseOptions & DocumentOptions & SchemaOptions;
const MAX_ALIAS_COUNT = 10;

/**
 * Reads the YAML mapping between a leading `---` line and the next `---` line. Strings and
 * booleans are kept, numbers become strings, lists become lists of strings; anything else is
 * dropped. Frontmatter that is not valid YAML, or not a mapping, gives no fields (the body is
 * still what follows it).
 */
export function parseFrontmatter(text: string): { fields: Record<string, FrontmatterValue>; body: string } {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const block = frontmatterBlock(normalized);
  if (!block) return { fields: {}, body: normalized };
  return { fields: yamlFields(block.yaml), body: normalized.slice(block.end) };
}

/** The YAML text and where the body starts, when the file opens with a `---` fenced block. */
function frontmatterBlock(text: string): { yaml: string; end: number } | undefined {
  if (!text.startsWith('---\n')) return undefined;
  const head = text.slice(0, MAX_FRONTMATTER_CHARS + 8);
  for (let at = head.indexOf('\n', 3); at !== -1; at = head.indexOf('\n', at + 1)) {
    // a closing fence: `---` alone on its line (trailing blanks allowed), or at the end of the file
    const lineEnd = text.indexOf('\n', at + 1);
    const line = text.slice(at + 1, lineEnd === -1 ? text.length : lineEnd);
    if (/^---[ \t]*$/.test(line)) {
      return { yaml: text.slice(4, at), end: lineEnd === -1 ? text.length : lineEnd + 1 };
    }
  }
  return undefined;
}

function yamlFields(source: string): Record<string, FrontmatterValue> {
  let value: unknown;
  try {
    const doc = parseDocument(source, YAML_OPTIONS);
    if (doc.errors.length > 0) return {};
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    return {}; // too many aliases, or a YAML error the parser threw
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const fields: Record<string, FrontmatterValue> = {};
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    if (key === '__proto__') continue; // would replace the prototype of `fields`
    if (typeof raw === 'boolean') fields[key] = raw;
    else if (isScalar(raw)) fields[key] = String(raw);
    else if (Array.isArray(raw)) fields[key] = raw.filter(isScalar).map(String);
  }
  return fields;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.replace(/^#+\s*/, '').trim().slice(0, 200);
}
