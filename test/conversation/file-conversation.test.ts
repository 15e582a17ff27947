import { appendFileSync, existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileConversation, safeSessionId } from '../../src/conversation/index.js';
import { captureLogger, chatTurn, tempWorkspace, toolTurn } from './helpers.js';

let ws: ReturnType<typeof tempWorkspace>;
beforeEach(() => {
  ws = tempWorkspace();
});
afterEach(() => ws.cleanup());

function lines(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('FileConversation storage', () => {
  it('writes a header line and then one message per line, with timestamp and turnId', async () => {
    const conversation = new FileConversation({ workspace: ws.dir, now: () => new Date('2025-03-04T05:06:07.000Z') });
    await conversation.record('cli:main', 't1', toolTurn('t1'));

    const path = conversation.sessionPath('cli:main');
    expect(path).toBe(join(ws.stateDir, 'sessions', `${safeSessionId('cli:main')}.jsonl`));
    const [header, ...messages] = lines(path);
    expect(header).toEqual({
      _type: 'header',
      key: 'cli:main',
      createdAt: '2025-03-04T05:06:07.000Z',
      updatedAt: '2025-03-04T05:06:07.000Z',
      metadata: {},
    });
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    for (const message of messages) {
      expect(message.turnId).toBe('t1');
      expect(message.timestamp).toBe('2025-03-04T05:06:07.000Z');
    }
    expect(messages[1]!.toolCalls).toEqual([{ id: 'call-t1', name: 'read_file', arguments: { path: 't1.txt' } }]);
    expect(messages[2]).toMatchObject({ toolCallId: 'call-t1', name: 'read_file', content: 'contents of t1' });
  });

  it('gives every session id its own file name, safe for any file system', () => {
    const ids = ['cli:main', 'tg/123', 'TG/123', '../../etc/passwd', 'a b', 'a_b', '', 'ümlaut'];
    const names = ids.map(safeSessionId);
    expect(new Set(names).size).toBe(ids.length);
    // unique even ignoring case (macOS, Windows)
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(ids.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9_-]+$/);
    expect(safeSessionId('cli:main')).toMatch(/^cli_main-[0-9a-f]{16}$/);
  });

  it('records the same turn only once (a retried activity is a no-op)', async () => {
    const conversation = new FileConversation({ workspace: ws.dir });
    await conversation.record('s', 't1', toolTurn('t1'));
    await conversation.record('s', 't1', toolTurn('t1'));
    // a second instance (another worker) retrying the same turn
    await new FileConversation({ workspace: ws.dir }).record('s', 't1', toolTurn('t1'));
    await conversation.record('s', 't2', chatTurn('t2'));
    expect((await conversation.messages('s')).map((m) => `${m.turnId}:${m.role}`)).toEqual([
      't1:user',
      't1:assistant',
      't1:tool',
      't1:assistant',
      't2:user',
      't2:assistant',
    ]);
  });

  it('completes a partially stored turn instead of duplicating it', async () => {
    const conversation = new FileConversation({ workspace: ws.dir });
    await conversation.record('s', 't0', chatTurn('t0'));
    // simulate an old crash that stored only the first two lines of turn t1
    const path = conversation.sessionPath('s');
    const partial = toolTurn('t1')
      .slice(0, 2)
      .map((m) => JSON.stringify({ ...m, turnId: 't1', timestamp: '2025-01-01T00:00:00.000Z' }))
      .join('\n');
    appendFileSync(path, `${partial}\n`);
    // another turn lands before the retry completes t1
    await conversation.record('s', 't2', chatTurn('t2'));

    await conversation.record('s', 't1', toolTurn('t1'));
    const stored = await conversation.messages('s');
    expect(stored.filter((m) => m.turnId === 't1').map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const prompt = await conversation.buildPrompt('s', 'next');
    // history keeps each turn together: t0, then all of t1, then t2
    expect(prompt.slice(1, -1).map((m) => `${String(m.content).split(' ')[1] ?? 'call'}:${m.role}`)).toEqual([
      't0:user',
      't0:assistant',
      't1:user',
      'call:assistant',
      'of:tool',
      't1:assistant',
      't2:user',
      't2:assistant',
    ]);
  });

  it('repairs a torn last line left by a crash and keeps working', async () => {
    const { logger, lines: logLines } = captureLogger();
    const conversation = new FileConversation({ workspace: ws.dir, logger });
    await conversation.record('s', 't1', toolTurn('t1'));
    const path = conversation.sessionPath('s');
    const torn = '{"role":"user","content":"half a li';
    appendFileSync(path, torn);

    // reading ignores the torn tail
    expect(await conversation.messages('s')).toHaveLength(4);
    expect((await conversation.buildPrompt('s', 'hi')).length).toBe(1 + 4 + 1);

    // the next write sets it aside and appends cleanly
    await conversation.record('s', 't2', chatTurn('t2'));
    const stored = lines(path);
    expect(stored).toHaveLength(1 + 4 + 2);
    expect(readFileSync(`${path}.corrupt`, 'utf8')).toBe(`${torn}\n`);
    expect(logLines().some((l) => String(l.msg).includes('torn'))).toBe(true);

    // a fresh instance (no cache) reads the same
    expect(await new FileConversation({ workspace: ws.dir }).messages('s')).toHaveLength(6);
  });

  it('treats an unparseable final line as torn, and skips garbage in the middle', async () => {
    const conversation = new FileConversation({ workspace: ws.dir });
    await conversation.record('s', 't1', chatTurn('t1'));
    const path = conversation.sessionPath('s');
    appendFileSync(path, '\u0000\u0000\u0000garbage\n');
    expect(await conversation.messages('s')).toHaveLength(2);
    await conversation.record('s', 't2', chatTurn('t2'));
    expect(lines(path)).toHaveLength(1 + 4);
    expect(existsSync(`${path}.corrupt`)).toBe(true);

    // a bad line in the middle (hand edit) is skipped, not fatal
    const text = readFileSync(path, 'utf8').split('\n');
    text.splice(2, 0, '{not json');
    writeFileSync(path, text.join('\n'));
    const fresh = new FileConversation({ workspace: ws.dir });
    expect((await fresh.messages('s')).map((m) => m.turnId)).toEqual(['t1', 't1', 't2', 't2']);
  });

  it('never stores a tool call without its result', async () => {
    const conversation = new FileConversation({ workspace: ws.dir });
    await conversation.record('s', 't1', [
      { role: 'user', content: 'do two things' },
      {
        role: 'assistant',
        content: 'Running both.',
        toolCalls: [
          { id: 'a', name: 'exec', arguments: { command: 'ls' } },
          { id: 'b', name: 'exec', arguments: { command: 'pwd' } },
        ],
      },
      { role: 'tool', toolCallId: 'a', name: 'exec', content: 'file.txt' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'exec', arguments: {} }] },
      { role: 'tool', toolCallId: 'zzz', name: 'exec', content: 'orphan result' },
    ]);
    const stored = await conversation.messages('s');
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(stored[1]!.toolCalls?.map((c) => c.id)).toEqual(['a']);
    expect(stored[2]!.toolCallId).toBe('a');
  });

  it("sees other writers' appends, clears and re-creations (incremental reads stay correct)", async () => {
    const a = new FileConversation({ workspace: ws.dir });
    const b = new FileConversation({ workspace: ws.dir });
    await a.record('s', 't1', chatTurn('t1'));
    expect(await a.messages('s')).toHaveLength(2);
    await b.record('s', 't2', toolTurn('t2'));
    expect((await a.messages('s')).map((m) => m.turnId)).toEqual(['t1', 't1', 't2', 't2', 't2', 't2']);
    expect(await b.clear('s')).toBe(true);
    expect(await a.messages('s')).toEqual([]);
    await b.record('s', 't3', chatTurn('t3'));
    expect((await a.messages('s')).map((m) => m.turnId)).toEqual(['t3', 't3']);
    // a's cached view of the old file does not make it skip t1 as "already recorded"
    await a.record('s', 't1', chatTurn('t1'));
    expect((await b.messages('s')).map((m) => m.turnId)).toEqual(['t3', 't3', 't1', 't1']);
  });

  it('lists sessions newest first and clears by archiving', async () => {
    const conversation = new FileConversation({ workspace: ws.dir });
    await conversation.record('old', 't1', chatTurn('t1'));
    await conversation.record('tg/42', 't1', chatTurn('t1'));
    utimesSync(conversation.sessionPath('old'), new Date('2020-01-01'), new Date('2020-01-01'));
    const sessions = await conversation.listSessions();
    expect(sessions.map((s) => s.key)).toEqual(['tg/42', 'old']);
    expect(sessions[1]!.updatedAt).toBe('2020-01-01T00:00:00.000Z');
    expect(sessions[0]!.path).toBe(conversation.sessionPath('tg/42'));

    expect(await conversation.clear('tg/42')).toBe(true);
    expect(await conversation.clear('tg/42')).toBe(false);
    expect(await conversation.clear('never-existed')).toBe(false);
    expect((await conversation.listSessions()).map((s) => s.key)).toEqual(['old']);
    expect(await conversation.messages('tg/42')).toEqual([]);
    const archived = readdirSync(join(ws.stateDir, 'sessions', 'archive'));
    expect(archived.some((name) => name.startsWith(safeSessionId('tg/42')) && name.endsWith('.jsonl'))).toBe(true);

    // the session starts over with a new header
    await conversation.record('tg/42', 't9', chatTurn('t9'));
    expect((await conversation.messages('tg/42')).map((m) => m.turnId)).toEqual(['t9', 't9']);
  });
});
