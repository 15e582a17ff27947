import { z } from 'zod';
import { InvalidSkillNameError } from '../conversation/errors.js';
import { isValidSkillName, listSkills, loadSkill } from '../conversation/skills.js';
import type { Tool, ToolContext } from '../core/tool.js';
import { jsonSchemaOf, parseArgs } from './tool-args.js';

const LoadSkillArgs = z.object({
  name: z.string().min(1).max(64).describe('Skill name, as listed under Skills in the system prompt'),
});

/** `load_skill`: the instructions of a workspace skill (`skills/<name>/SKILL.md`). */
export function createLoadSkillTool(opts: { workspace: string }): Tool {
  return {
    name: 'load_skill',
    description: 'Load the full instructions of a skill listed in the system prompt, before using it.',
    parameters: jsonSchemaOf(LoadSkillArgs),
    async execute(args: Record<string, unknown>, _ctx: ToolContext): Promise<string> {
      const parsed = parseArgs(LoadSkillArgs, args, 'load_skill');
      if (!parsed.ok) return parsed.error;
      const { name } = parsed.value;
      if (!isValidSkillName(name)) return `Error: ${new InvalidSkillNameError(name).message}`;
      let skill;
      try {
        skill = await loadSkill(opts.workspace, name);
      } catch (error) {
        if (error instanceof InvalidSkillNameError) return `Error: ${error.message}`;
        throw error;
      }
      if (!skill) {
        const available = (await listSkills(opts.workspace)).map((s) => s.name);
        const list = available.length > 0 ? available.join(', ') : 'none (add one as skills/<name>/SKILL.md)';
        return `Error: unknown skill "${name}". Available skills: ${list}`;
      }
      const needs = skill.tools.length > 0 ? `\nTools it uses: ${skill.tools.join(', ')}` : '';
      return `# Skill: ${skill.name}\n${skill.description}${needs}\n\n${skill.content}`;
    },
  };
}
