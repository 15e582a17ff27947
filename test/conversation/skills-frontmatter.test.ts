import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FRONTMATTER_CHARS, listSkills, loadSkill, parseFrontmatter } from '../../src/conversation/skills.js';
import { tempWorkspace } from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

function skill(name: string, text: string): void {
  mkdirSync(join(ws.dir, 'skills', name), { recursive: true });
  writeFileSync(join(ws.dir, 'skills', name, 'SKILL.md'), text);
}

describe('skill frontmatter is YAML', () => {
  it('reads comments, block scalars, escapes and quoted list items as YAML does', () => {
    const { fields, body } = parseFrontmatter(
      [
        '---',
        '# a comment line',
        'description: >',
        '  Deploys the app:',
        '  builds, tests, ships.',
        'always: true   # inlined everywhere',
        'tools: ["exec", "read_file, maybe", 7]',
        'title: "Tab\\tand \\"quotes\\""',
        'nested: { not: kept }',
        '---',
        'Body line',
      ].join('\r\n'),
    );
    expect(fields).toEqual({
      description: 'Deploys the app: builds, tests, ships.\n',
      always: true,
      tools: ['exec', 'read_file, maybe', '7'],
      title: 'Tab\tand "quotes"',
    });
    expect(body).toBe('Body line');
  });

  it('keeps the shapes skills use: quoted strings, block lists, comma strings, "true" strings', async () => {
    skill('deploy', "---\ndescription: 'Ship it'\nalways: true\ntools:\n  - exec\n  - read_file\n---\nSteps…\n");
    skill('weather', '---\ndescription: Look up the weather\ntools: web_fetch, exec\nalways: "true"\n---\n# Weather\n');
    skill('plain', 'No frontmatter here.\nSecond line.\n');
    expect(await listSkills(ws.dir)).toEqual([
      { name: 'deploy', description: 'Ship it', always: true, tools: ['exec', 'read_file'], path: join(ws.dir, 'skills', 'deploy', 'SKILL.md') },
      { name: 'plain', description: 'No frontmatter here.', always: false, tools: [], path: join(ws.dir, 'skills', 'plain', 'SKILL.md') },
      { name: 'weather', description: 'Look up the weather', always: true, tools: ['web_fetch', 'exec'], path: join(ws.dir, 'skills', 'weather', 'SKILL.md') },
    ]);
    expect((await loadSkill(ws.dir, 'deploy'))?.content).toBe('Steps…');
  });
});

describe('hostile or broken frontmatter', () => {
  it('lists a skill whose frontmatter is not valid YAML, described by its first body line', async () => {
    skill('broken', '---\ndescription: [unclosed\nalways: true\n---\n# Fix the build\n\nDetails.\n');
    skill('colon', '---\ndescription: Deploy: ship it\n---\nShips the app.\n');
    skill('tabs', '---\ndescription:\n\t- tab indented\n---\nTabbed.\n');
    skill('duplicate', '---\ndescription: one\ndescription: two\n---\nTwice.\n');
    skill('list', '---\n- just\n- a list\n---\nA list.\n');
    const byName = Object.fromEntries((await listSkills(ws.dir)).map((s) => [s.name, s]));
    expect(byName['broken']).toMatchObject({ description: 'Fix the build', always: false, tools: [] });
    expect(byName['colon']).toMatchObject({ description: 'Ships the app.', always: false });
    expect(byName['tabs']).toMatchObject({ description: 'Tabbed.' });
    expect(byName['duplicate']).toMatchObject({ description: 'Twice.' });
    expect(byName['list']).toMatchObject({ description: 'A list.' });
    // the frontmatter is still cut from the instructions
    expect((await loadSkill(ws.dir, 'broken'))?.content).toBe('# Fix the build\n\nDetails.');
  });

  it('does not expand an alias bomb', async () => {
    // Nine levels of nine aliases: 9^9 (387 million) strings if expanded.
    const levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    skill('bomb', `---\n${levels.join('\n')}\ndescription: *a9\n---\nHarmless body.\n`);
    const start = performance.now();
    const [bomb] = await listSkills(ws.dir);
    expect(bomb).toMatchObject({ name: 'bomb', description: 'Harmless body.', always: false, tools: [] });
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('resolves no custom or YAML 1.1 tags, and merges no keys', () => {
    const { fields } = parseFrontmatter(
      '---\ndescription: !!js/function "function () { return 1 }"\nalways: !!binary dHJ1ZQ==\nbase: &b { tools: [exec] }\n<<: *b\n---\n',
    );
    expect(fields['description']).toBe('function () { return 1 }');
    expect(fields['always']).toBe('dHJ1ZQ==');
    expect(fields['tools']).toBeUndefined();
    const proto = parseFrontmatter('---\n__proto__: [polluted]\ndescription: d\n---\n').fields;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(proto).toEqual({ description: 'd' });
  });

  it('does not look for frontmatter past its size cap', async () => {
    const long = `---\ndescription: huge\nnotes: "${'x'.repeat(MAX_FRONTMATTER_CHARS)}"\n---\nAfter.\n`;
    expect(parseFrontmatter(long)).toEqual({ fields: {}, body: long });
    skill('huge', long);
    expect((await listSkills(ws.dir))[0]).toMatchObject({ name: 'huge', description: '---' });
  });
});
