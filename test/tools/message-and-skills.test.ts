import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, ToolContext } from '../../src/core/tool.js';
import { ToolRegistry } from '../../src/core/tool-registry.js';
import { MessageBus } from '../../src/runtime/message-bus.js';
import { createDefaultTools } from '../../src/tools/index.js';
import { createLoadSkillTool } from '../../src/tools/load-skill-tool.js';
import { createMessageTool } from '../../src/tools/message-tool.js';
import { textTool } from '../support/text-tool.js';

describe('message', () => {
  it('answers the current chat (replied) or another chat (not), through the runtime delivery', async () => {
    const bus = new MessageBus();
    const registry = new ToolRegistry([createMessageTool()]);
    const ctx: ToolContext = {
      sessionId: 'telegram:42',
      channel: 'telegram',
      chatId: '42',
      messageId: '7',
      deliver: (message) => bus.publishOutbound(message),
    };

    const here = await registry.execute({ name: 'message', arguments: { content: 'on it' } }, ctx);
    expect(here).toEqual({ output: 'Message sent to telegram:42', isError: false, replied: true });
    expect(await bus.consumeOutbound()).toEqual({ channel: 'telegram', chatId: '42', content: 'on it', replyTo: '7' });

    const elsewhere = await registry.execute(
      { name: 'message', arguments: { content: 'fyi', channel: 'slack', chat_id: 'C1' } },
      ctx,
    );
    expect(elsewhere).toEqual({ output: 'Message sent to slack:C1', isError: false });
    expect(await bus.consumeOutbound()).toEqual({ channel: 'slack', chatId: 'C1', content: 'fyi' });
  });

  it('serves two sessions at once from one instance: each call answers its own chat', async () => {
    const bus = new MessageBus();
    const tool = textTool(createMessageTool());
    const deliver = (message: Delivery) => bus.publishOutbound(message);
    const [a, b] = await Promise.all([
      tool.call({ content: 'to a' }, { sessionId: 'cli:a', channel: 'cli', chatId: 'a', deliver }),
      tool.call({ content: 'to b', channel: 'slack', chat_id: 'C9' }, { sessionId: 'cli:b', channel: 'cli', chatId: 'b', deliver }),
    ]);
    expect(a.replied).toBe(true);
    expect(b.replied).toBeUndefined(); // b went elsewhere: its session still needs a reply
    expect([await bus.consumeOutbound(), await bus.consumeOutbound()]).toEqual([
      { channel: 'cli', chatId: 'a', content: 'to a' },
      { channel: 'slack', chatId: 'C9', content: 'to b' },
    ]);
  });

  it('says what is missing: a way to deliver, or a target', async () => {
    const tool = textTool(createMessageTool());
    expect(await tool.execute({ content: 'x' }, { sessionId: 's' })).toMatch(/^Error: messages cannot be delivered from this runtime/);
    const deliver = (message: Delivery) => new MessageBus().publishOutbound(message);
    expect(await tool.execute({ content: 'x' }, { sessionId: 's', deliver })).toMatch(/^Error: no target chat: pass both channel and chat_id/);
    expect(await tool.execute({ content: 'x', channel: 'slack' }, { sessionId: 's', deliver })).toMatch(/^Error: no target chat/);
  });
});

describe('load_skill', () => {
  let ws: string;
  beforeAll(() => {
    ws = mkdtempSync(join(tmpdir(), 'exoclaw-skills-'));
    mkdirSync(join(ws, 'skills', 'weather'), { recursive: true });
    writeFileSync(
      join(ws, 'skills', 'weather', 'SKILL.md'),
      '---\ndescription: Look up the weather\ntools: [web_fetch]\n---\n# Weather\n\nUse web_fetch on wttr.in.\n',
    );
    mkdirSync(join(ws, 'skills', 'notes'));
    writeFileSync(join(ws, 'skills', 'notes', 'SKILL.md'), 'Keep notes in notes/.\n');
    const outside = mkdtempSync(join(tmpdir(), 'exoclaw-skills-outside-'));
    writeFileSync(join(outside, 'SKILL.md'), 'OUTSIDE-SKILL');
    symlinkSync(outside, join(ws, 'skills', 'escape'));
  });
  afterAll(() => rmSync(ws, { recursive: true, force: true }));

  it('returns the instructions of a skill', async () => {
    const result = await textTool(createLoadSkillTool({ workspace: ws })).execute({ name: 'weather' }, { sessionId: 's' });
    expect(result).toBe('# Skill: weather\nLook up the weather\nTools it uses: web_fetch\n\n# Weather\n\nUse web_fetch on wttr.in.');
  });

  it('lists available skills for an unknown name, and refuses odd names and escapes', async () => {
    const tool = textTool(createLoadSkillTool({ workspace: ws }));
    expect(await tool.execute({ name: 'cooking' }, { sessionId: 's' })).toBe(
      'Error: unknown skill "cooking". Available skills: notes, weather',
    );
    expect(await tool.execute({ name: '../../etc' }, { sessionId: 's' })).toMatch(/^Error: Invalid skill name/);
    const escaped = await tool.execute({ name: 'escape' }, { sessionId: 's' });
    expect(escaped).toMatch(/^Error: unknown skill "escape"/);
    expect(escaped).not.toContain('OUTSIDE-SKILL');
  });
});

describe('createDefaultTools', () => {
  it('builds the standard set with valid, distinct names and object schemas', () => {
    const tools = createDefaultTools({ workspace: tmpdir() });
    expect(tools.map((t) => t.name)).toEqual([
      'read_file', 'write_file', 'edit_file', 'list_dir', 'exec', 'web_fetch', 'web_search', 'message', 'load_skill',
    ]);
    const registry = new ToolRegistry(tools);
    for (const def of registry.definitions()) {
      expect(def.parameters.type).toBe('object');
      expect(def.parameters.$schema).toBeUndefined();
      expect(def.description.length).toBeGreaterThan(20);
    }
    expect(createDefaultTools({ workspace: tmpdir(), exec: false, web: false, skills: false }).map((t) => t.name)).toEqual([
      'read_file', 'write_file', 'edit_file', 'list_dir', 'message',
    ]);
  });
});
