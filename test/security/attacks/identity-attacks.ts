// Files the runtime itself reads from the agent's workspace (identity files, memory, skills),
// planted by a hostile model to leak secrets into the prompt, hang the worker or break prompts.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { leakFree, type Attack } from '../attack.js';

const exec = (command: string) => [{ name: 'exec', arguments: { command } }];

/** The system prompt of the newest request the model received. */
function lastSystemPrompt(env: Parameters<Attack['run']>[0]): string {
  const body = env.llmRequests().at(-1)?.body as { messages?: Array<{ role: string; content: unknown }> };
  return JSON.stringify(body?.messages?.find((m) => m.role === 'system')?.content ?? '');
}

function removeAll(env: Parameters<Attack['run']>[0], ...names: string[]): void {
  for (const name of names) rmSync(join(env.workspace, name), { recursive: true, force: true });
}

export const IDENTITY_ATTACKS: Attack[] = [
  {
    name: "identity files linked to the worker's environment and config file (SOUL.md, USER.md): skipped, never followed",
    async run(env) {
      await env.toolTurn('identity-links', exec(`ln -sf /proc/self/environ SOUL.md; ln -sf ${env.canaries.configPath} USER.md; echo planted`));
      const { result } = await env.plainTurn('identity-links-next', 'hello after the links');
      expect(result.finalContent).toContain('hello after the links');
      expect(leakFree(lastSystemPrompt(env), env)).toBe(true);
      expect(leakFree(env.stateText(), env)).toBe(true);
      expect(env.workerOutput()).toMatch(/workspace file skipped.*SOUL\.md|SOUL\.md.*workspace file skipped/);
      removeAll(env, 'SOUL.md', 'USER.md');
    },
  },
  {
    name: 'a FIFO as an identity file and as HEARTBEAT.md: the prompt is built without blocking',
    async run(env) {
      await env.toolTurn('identity-fifo', exec('mkfifo IDENTITY.md; echo planted'));
      const started = Date.now();
      const { result } = await env.plainTurn('identity-fifo-next', 'hello after the fifo');
      expect(result.finalContent).toContain('hello after the fifo');
      expect(Date.now() - started).toBeLessThan(20_000);
      // A few more turns: a blocked open would exhaust libuv's thread pool and hang the worker.
      for (let i = 0; i < 5; i++) await env.plainTurn(`identity-fifo-more-${i}`, `again ${i}`);
      removeAll(env, 'IDENTITY.md');
    },
  },
  {
    name: 'a 1.5 GB sparse identity file: read capped, the worker keeps its memory',
    async run(env) {
      await env.toolTurn('identity-sparse', exec('truncate -s 1500M AGENTS.md; echo planted'));
      const { result } = await env.plainTurn('identity-sparse-next', 'hello after the sparse file');
      expect(result.finalContent).toContain('hello after the sparse file');
      expect(lastSystemPrompt(env).length).toBeLessThan(2_000_000);
      removeAll(env, 'AGENTS.md');
    },
  },
  {
    name: 'a file named skills and memory/MEMORY.md made a folder: every prompt still builds',
    async run(env) {
      await env.toolTurn('identity-shapes', [
        { name: 'write_file', arguments: { path: 'skills', content: 'not a folder' } },
        { name: 'write_file', arguments: { path: 'memory/MEMORY.md/x', content: 'memory is now a folder' } },
      ]);
      const { result } = await env.plainTurn('identity-shapes-next', 'hello after the shapes');
      expect(result.finalContent).toContain('hello after the shapes');
      removeAll(env, 'skills', 'memory');
    },
  },
  {
    name: 'a skill whose SKILL.md links to the config file, and a YAML alias bomb in another',
    async run(env) {
      const bomb = ['---', 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]}]`), 'description: bomb', '---', 'Boom.'].join('\n');
      await env.toolTurn('identity-skills', [
        { name: 'exec', arguments: { command: `mkdir -p skills/leak && ln -sf ${env.canaries.configPath} skills/leak/SKILL.md; echo planted` } },
        { name: 'write_file', arguments: { path: 'skills/bomb/SKILL.md', content: bomb } },
      ]);
      const started = Date.now();
      const { result } = await env.plainTurn('identity-skills-next', 'hello after the skills');
      expect(result.finalContent).toContain('hello after the skills');
      expect(Date.now() - started).toBeLessThan(20_000);
      const prompt = lastSystemPrompt(env);
      expect(leakFree(prompt, env)).toBe(true);
      expect(prompt).toContain('bomb');
      removeAll(env, 'skills');
    },
  },
];
