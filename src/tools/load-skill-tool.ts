import { z } from 'zod';
import { InvalidSkillNameError } from '../conversation/errors.js';
import { isValidSkillName, listSkills, loadSkill } from '../conversation/skills.js';
import { toolError, toolOutput, type ToolContext } from '../core/tool.js';
import { defineTool } from './define-tool.js';

const LoadSkillArgs = z.object({
  name: z.string().min(1).max(64).describe('Skill name, as listed under Skills in the system prompt'),
});

/** `load_skill`: the instructions of a workspace skill (`skills/<name>/SKILL.md`). */
export function createLoadSkillTool(opts: { workspace: string }) {
  return defineTool({
    name: 'load_skill',
    bounded: true, // a local file operation: may run as a local activity
    description: 'Load the full instructions of a skill listed in the system prompt, before using it.',
    args: LoadSkillArgs,
    async execute(args, _ctx: ToolContext) {
      const { name } = args;
      if (!isValidSkillName(name)) return toolError(`Error: ${new InvalidSkillNameError(name).message}`);
      let skill;
      try {
        skill = await loadSkill(opts.workspace, name);
      } catch (error) {
        if (error instanceof InvalidSkillNameError) return toolError(`Error: ${error.message}`);
        throw error;
      }
      if (!skill) {
        const available = (await listSkills(opts.workspace)).map((s) => s.name);
        const list = available.length > 0 ? available.join(', ') : 'none (add one as skills/<name>/SKILL.md)';
        return toolError(`Error: unknown skill "${name}". Available skills: ${list}`);
      }
      const needs = skill.tools.length > 0 ? `\nTools it uses: ${skill.tools.join(', ')}` : '';
      return toolOutput(`# Skill: ${skill.name}\n${skill.description}${needs}\n\n${skill.content}`);
    },
  });
}
