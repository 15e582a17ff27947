import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ContextBuilder,
  FileConversation,
  InvalidSkillNameError,
  listSkills,
  loadSkill,
  RUNTIME_CONTEXT_TAG,
} from '../../src/conversation/index.js';
import type { ContentPart, Message } from '../../src/core/messages.js';
import { chatTurn, tempWorkspace, toolTurn } from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

function write(rel: string, content: string | Buffer): void {
  const path = join(ws.dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
}

const text = (message: Message | undefined): string =>
  typeof message?.content === 'string'
    ? message.content
    : (message?.content ?? []).map((p: ContentPart) => (p.type === 'text' ? p.text : `<${p.mediaType}>`)).join('|');

describe('system prompt', () => {
  it('includes identity files, long-term memory, plugin context and skills', async () => {
    write('AGENTS.md', 'Agent rules: be terse.');
    write('SOUL.md', 'Soul: curious.');
    write('USER.md', 'User: Ada, prefers metric units.');
    write('TOOLS.md', 'Tool notes.');
    write('IDENTITY.md', 'Name: Claw.');
    write('memory/MEMORY.md', '- Ada lives in Lisbon');
    write('skills/weather/SKILL.md', '---\ndescription: "Look up the weather"\nalways: false\ntools: [web_fetch]\n---\n# Weather\nUse wttr.in.');
    write('skills/style/SKILL.md', '---\ndescription: House style\nalways: true\n---\nAlways answer in haiku.');
    write('skills/notes/SKILL.md', 'No frontmatter: keeps notes tidy.');

    const builder = new ContextBuilder({ workspace: ws.dir });
    const prompt = await builder.buildSystemPrompt(['Cron: 2 jobs scheduled.']);
    for (const expected of [
      '## AGENTS.md\n\nAgent rules: be terse.',
      '## SOUL.md\n\nSoul: curious.',
      'User: Ada, prefers metric units.',
      'Tool notes.',
      'Name: Claw.',
      '# Long-term memory\n\n- Ada lives in Lisbon',
      'Cron: 2 jobs scheduled.',
      '## Skill: style\n\nAlways answer in haiku.',
      '- weather: Look up the weather (uses: web_fetch)',
      '- notes: No frontmatter: keeps notes tidy.',
      'load_skill',
      ws.dir,
    ]) {
      expect(prompt).toContain(expected);
    }
    // identity files keep their order; the on-demand skill's body is not inlined
    expect(prompt.indexOf('AGENTS.md')).toBeLessThan(prompt.indexOf('IDENTITY.md'));
    expect(prompt).not.toContain('Use wttr.in.');
    expect(prompt).not.toContain('You are exoclaw');
  });

  it('uses a short default identity when the workspace has none', async () => {
    const prompt = await new ContextBuilder({ workspace: ws.dir, agentName: 'Clawd' }).buildSystemPrompt();
    expect(prompt).toContain('You are Clawd');
    expect(prompt).toContain(`Your workspace is ${ws.dir}`);
    expect(prompt).not.toContain('Long-term memory\n');
  });
});

describe('skills', () => {
  it('lists skills with their frontmatter and loads one by name', async () => {
    write('skills/deploy/SKILL.md', "---\ndescription: 'Ship it'\nalways: true\ntools:\n  - exec\n  - read_file\n---\nSteps…\n");
    write('skills/empty-dir/README.md', 'not a skill');
    expect(await listSkills(ws.dir)).toEqual([
      { name: 'deploy', description: 'Ship it', always: true, tools: ['exec', 'read_file'], path: join(ws.dir, 'skills', 'deploy', 'SKILL.md') },
    ]);
    expect((await loadSkill(ws.dir, 'deploy'))?.content).toBe('Steps…');
    expect(await loadSkill(ws.dir, 'missing')).toBeNull();
  });

  it('rejects names that could leave the skills folder', async () => {
    write('secret/SKILL.md', 'outside');
    for (const bad of ['../secret', '..', 'a/b', '/etc', '.hidden', 'x\u0000y']) {
      await expect(loadSkill(ws.dir, bad)).rejects.toBeInstanceOf(InvalidSkillNameError);
    }
    // a symlinked skill folder pointing outside is ignored
    mkdirSync(join(ws.dir, 'skills'), { recursive: true });
    symlinkSync(join(ws.dir, 'secret'), join(ws.dir, 'skills', 'sneaky'));
    expect(await loadSkill(ws.dir, 'sneaky')).toBeNull();
    expect(await listSkills(ws.dir)).toEqual([]);
  });
});

describe('buildPrompt', () => {
  it('returns system, history and the user message with runtime context in a real time zone', async () => {
    const conversation = new FileConversation({
      workspace: ws.dir,
      timezone: 'Asia/Kolkata',
      now: () => new Date('2025-06-01T12:00:00Z'),
    });
    await conversation.record('tg/7', 't1', toolTurn('t1'));
    const prompt = await conversation.buildPrompt('tg/7', 'what now?', { channel: 'telegram', chatId: '7', pluginContext: ['PLUGIN'] });
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(text(prompt[0])).toContain('PLUGIN');
    // bookkeeping stays out of prompts
    expect(prompt[1]).toEqual({ role: 'user', content: 'question t1' });
    const user = text(prompt[prompt.length - 1]);
    expect(user.startsWith(RUNTIME_CONTEXT_TAG)).toBe(true);
    expect(user).toContain('Current time: 2025-06-01 17:30 (Sunday), time zone Asia/Kolkata (UTC+05:30)');
    expect(user).toContain('Channel: telegram\nChat ID: 7');
    expect(user.endsWith('\n\nwhat now?')).toBe(true);
  });

  it("uses the process's own zone by default, always naming it with an offset", async () => {
    const prompt = await new ContextBuilder({ workspace: ws.dir }).buildUserMessage('hi');
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(text(prompt)).toMatch(new RegExp(`time zone ${zone.replace(/[/+]/g, '\\$&')} \\(UTC[+-]\\d{2}:\\d{2}\\)`));
  });

  it('turns workspace images into image parts and notes other attachments', async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32, 1)]);
    write('media/photo.bin', png); // the type comes from the bytes, not the name
    write('media/big.png', Buffer.concat([png, Buffer.alloc(5_000)]));
    write('media/report.pdf', '%PDF-1.7');
    const outside = join(ws.dir, '..', `outside-${Date.now()}.png`);
    writeFileSync(outside, png);
    const builder = new ContextBuilder({ workspace: ws.dir, maxImageBytes: 1_000 });
    const message = await builder.buildUserMessage('look', {
      media: ['media/photo.bin', join(ws.dir, 'media/big.png'), 'media/report.pdf', outside, 'media/missing.jpg'],
    });
    rmSync(outside);
    const parts = message.content as ContentPart[];
    expect(parts).toHaveLength(2);
    expect(parts[1]).toEqual({ type: 'image', mediaType: 'image/png', data: png.toString('base64') });
    const note = (parts[0] as { text: string }).text;
    expect(note).toContain('[Attached image too large to show');
    expect(note).toContain('[Attached file: media/report.pdf (8 bytes)]');
    expect(note).toContain('[Attachment outside the workspace, not included');
    expect(note).toContain('[Attachment not found: media/missing.jpg]');
  });

  it('bounds history by the memory window and repairs it', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, memoryWindow: 5 });
    await conversation.record('s', 't1', chatTurn('t1'));
    await conversation.record('s', 't2', toolTurn('t2'));
    await conversation.record('s', 't3', chatTurn('t3'));
    const prompt = await conversation.buildPrompt('s', 'next');
    // 5 would start at t2's assistant tool call; the window starts at t3 instead
    expect(prompt.slice(1, -1)).toEqual(chatTurn('t3'));
  });

  it('keeps within the token budget, compacting old tool output before dropping turns', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, tokenBudget: 9_000 });
    const bigTurn = (id: string): Message[] => [
      { role: 'user', content: `q ${id}` },
      { role: 'assistant', content: null, toolCalls: [{ id, name: 'exec', arguments: {} }] },
      { role: 'tool', toolCallId: id, name: 'exec', content: `${id}:${'y'.repeat(20_000)}` },
      { role: 'assistant', content: `a ${id}` },
    ];
    await conversation.record('s', 'old', bigTurn('old'));
    await conversation.record('s', 'new', bigTurn('new'));
    const prompt = await conversation.buildPrompt('s', 'next');
    expect(prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(text(prompt[3]).length).toBeLessThan(2_000);
    expect(text(prompt[7])).toBe(`new:${'y'.repeat(20_000)}`);
  });
});
