// nanobot's session files: how they are read, and the conversion into this runtime's sessions.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateNanobotSessions, countNanobotSessions } from '../../src/conversation/migrate-nanobot-sessions.js';
import { keyFromFileName, parseNanobotSession } from '../../src/conversation/nanobot-session.js';
import { SessionStore } from '../../src/conversation/session-store.js';
import { createLogger } from '../../src/logger.js';
import { prepareStateRoot } from '../../src/storage/state-root.js';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'nanobot', 'sessions', 'telegram_42.jsonl');
const quiet = createLogger({ level: 'silent' });

/** One nanobot file line, spelled as Python's json.dumps writes it. */
const py = (value: unknown): string => JSON.stringify(value).replace(/","/g, '", "').replace(/":/g, '": ');

let base: string;
let workspace: string;
let stateDir: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'exoclaw-nanobot-sessions-'));
  workspace = join(base, 'workspace');
  stateDir = join(base, 'workspace.state');
  // As after a worker's first start: nanobot files that appear in the workspace now stay there.
  await prepareStateRoot(workspace, stateDir);
  await mkdir(join(workspace, 'sessions'), { recursive: true });
});
afterEach(() => rm(base, { recursive: true, force: true }));

describe('reading a nanobot session file', () => {
  it('converts its messages: tool calls with parsed arguments, tool results, text parts, turns', async () => {
    const session = parseNanobotSession(await readFile(FIXTURE, 'utf8'), 'telegram_42.jsonl');
    expect(session.key).toBe('telegram:42');
    expect(session.createdAt).toBe('2026-03-02T09:14:03.512345');
    expect(session.skippedLines).toBe(0);
    expect(session.messages.map((m) => [m.message.role, m.turn])).toEqual([
      ['user', 1], ['assistant', 1], ['user', 2], ['assistant', 2], ['tool', 2], ['assistant', 2], ['user', 3], ['assistant', 3],
    ]);
    expect(session.messages[3]!.message).toEqual({
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'toolu_01A2b3C4d5E6f7G8h9', name: 'write_file', arguments: { path: 'notes/biscuit.md', content: 'Vet: Friday 10:00\n' } }],
    });
    expect(session.messages[4]!.message).toMatchObject({ role: 'tool', toolCallId: 'toolu_01A2b3C4d5E6f7G8h9', name: 'write_file' });
    expect(session.messages[6]!.message.content).toEqual([{ type: 'text', text: '[image]' }, { type: 'text', text: 'What breed do you think she is?' }]);
    expect(session.messages[0]!.timestamp).toBe('2026-03-02T09:14:03.512345');
  });

  it("leaves out what is not a message, strips nanobot's runtime-context block, and maps last_consolidated onto what converted", () => {
    const text = [
      py({ _type: 'metadata', created_at: '2026-01-01T00:00:00', metadata: { lang: 'en' }, last_consolidated: 3 }),
      py({ role: 'user', content: '[Runtime Context — metadata only, not instructions]\nCurrent Time: x\n\nhello' }),
      py({ role: 'assistant', content: '' }), // empty: nanobot skipped these too
      py({ role: 'assistant', content: 'hi', reasoning_content: 'thinking…' }),
      'not json',
      py({ role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'exec', arguments: '{broken' } }] }),
      py({ role: 'tool', tool_call_id: 'c1', name: 'exec', content: 'ok' }),
      py({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }, { type: 'text', text: 'this?' }] }),
    ].join('\n');
    const session = parseNanobotSession(text, 'cli_direct.jsonl');
    expect(session.key).toBe('cli:direct'); // no key in the metadata: nanobot's own fallback
    expect(session.metadata).toEqual({ lang: 'en' });
    expect(session.skippedLines).toBe(2);
    expect(session.messages.map((m) => m.message.content)).toEqual([
      'hello',
      'hi',
      null,
      'ok',
      [{ type: 'text', text: '[image: https://example.com/cat.png]' }, { type: 'text', text: 'this?' }],
    ]);
    expect(session.messages[1]!.message.reasoningContent).toBe('thinking…');
    expect(session.messages[2]!.message.toolCalls?.[0]).toMatchObject({ name: 'exec', arguments: {}, argumentsError: expect.any(String) });
    // Of nanobot's first 3 message lines, 2 converted (the empty assistant did not).
    expect(session.lastConsolidated).toBe(2);
    expect(keyFromFileName('slack_C123_thread_9.jsonl')).toBe('slack:C123_thread_9');
  });
});

describe('migrateNanobotSessions', () => {
  it('converts a file from the workspace once: history, key, backup, the same file again only moves', async () => {
    await writeFile(join(workspace, 'sessions', 'telegram_42.jsonl'), await readFile(FIXTURE));
    expect(await countNanobotSessions(workspace, stateDir)).toBe(1);

    const dry = await migrateNanobotSessions({ workspace, stateDir, dryRun: true, logger: quiet });
    expect(dry.sessions).toEqual([expect.objectContaining({ action: 'convert', key: 'telegram:42', messages: 8, location: 'workspace' })]);
    await expect(readdir(join(workspace, 'sessions'))).resolves.toEqual(['telegram_42.jsonl']);
    await expect(readdir(join(stateDir, 'sessions'))).rejects.toThrow(/ENOENT/);

    const done = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    const [entry] = done.sessions;
    expect(entry).toMatchObject({ action: 'convert', key: 'telegram:42' });
    expect(entry!.backup).toBe(join(done.backupDir, 'workspace', 'telegram_42.jsonl'));
    expect(await readFile(entry!.backup!, 'utf8')).toBe(await readFile(FIXTURE, 'utf8'));
    await expect(readdir(join(workspace, 'sessions'))).resolves.toEqual([]);

    const store = new SessionStore(stateDir, { logger: quiet });
    expect(entry!.target).toBe(store.filePath('telegram:42'));
    const snapshot = await store.read('telegram:42');
    expect(snapshot.header?.key).toBe('telegram:42');
    expect(snapshot.header?.metadata['migratedFrom']).toMatchObject({ format: 'nanobot', file: 'telegram_42.jsonl', messages: 8 });
    expect(snapshot.messages).toHaveLength(8);
    expect(snapshot.messages[0]).toMatchObject({ role: 'user', content: 'Hi! My name is Ada and my cat is called Biscuit.', turnId: 'nanobot-1' });
    expect((await store.readMeta('telegram:42')).lastConsolidated).toBe(0);
    expect(await countNanobotSessions(workspace, stateDir)).toBe(0);

    // Nothing left: a second run does nothing; the same file met again is only moved aside.
    expect((await migrateNanobotSessions({ workspace, stateDir, logger: quiet })).sessions).toEqual([]);
    const converted = await readFile(store.filePath('telegram:42'), 'utf8');
    await writeFile(join(stateDir, 'sessions', 'telegram_42.jsonl'), await readFile(FIXTURE));
    const again = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    expect(again.sessions).toEqual([expect.objectContaining({ action: 'already', location: 'state' })]);
    expect(await readFile(store.filePath('telegram:42'), 'utf8')).toBe(converted);
    await expect(readdir(join(stateDir, 'sessions'))).resolves.not.toContain('telegram_42.jsonl');
  });

  it("also finds them where a worker's first start moved a legacy sessions/ folder, as they were", async () => {
    const fresh = join(base, 'legacy');
    await mkdir(join(fresh, 'sessions'), { recursive: true });
    await writeFile(join(fresh, 'sessions', 'telegram_42.jsonl'), await readFile(FIXTURE));
    // No worker has started on this workspace: migrate prepares the state root itself, which moves sessions/.
    const result = await migrateNanobotSessions({ workspace: fresh, stateDir: `${fresh}.state`, logger: quiet });
    expect(result.sessions).toEqual([expect.objectContaining({ action: 'convert', location: 'state', key: 'telegram:42' })]);
    expect((await new SessionStore(`${fresh}.state`, { logger: quiet }).read('telegram:42')).messages).toHaveLength(8);
  });

  it('puts the nanobot history before turns the session already had here, and keeps the summarised pointer right', async () => {
    const store = new SessionStore(stateDir, { logger: quiet });
    await store.appendTurn('cli:direct', 'turn-ours', [
      { role: 'user', content: 'a message sent here first' },
      { role: 'assistant', content: 'answered here' },
    ]);
    await writeFile(
      join(workspace, 'sessions', 'cli_direct.jsonl'),
      [
        py({ _type: 'metadata', key: 'cli:direct', created_at: '2026-01-01T10:00:00', last_consolidated: 2 }),
        py({ role: 'user', content: 'old question', timestamp: '2026-01-01T10:00:00' }),
        py({ role: 'assistant', content: 'old answer', timestamp: '2026-01-01T10:00:01' }),
        py({ role: 'user', content: 'newer question', timestamp: '2026-01-02T10:00:00' }),
        py({ role: 'assistant', content: 'newer answer', timestamp: '2026-01-02T10:00:01' }),
      ].join('\n') + '\n',
    );
    const result = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    expect(result.sessions).toEqual([expect.objectContaining({ action: 'merge', existing: 2, messages: 4, summarised: 2 })]);
    const snapshot = await new SessionStore(stateDir, { logger: quiet }).read('cli:direct');
    expect(snapshot.messages.map((m) => m.content)).toEqual(['old question', 'old answer', 'newer question', 'newer answer', 'a message sent here first', 'answered here']);
    expect(snapshot.messages[4]!.turnId).toBe('turn-ours');
    expect((await store.readMeta('cli:direct')).lastConsolidated).toBe(2);
  });

  it('takes a newer version of a converted file while nothing was added here, and refuses one after turns here', async () => {
    const write = (messages: number) =>
      writeFile(
        join(workspace, 'sessions', 'telegram_7.jsonl'),
        [py({ _type: 'metadata', key: 'telegram:7' }), ...Array.from({ length: messages }, (_, i) => py({ role: i % 2 ? 'assistant' : 'user', content: `m${i}` }))].join('\n'),
      );
    await write(2);
    await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    await write(4); // nanobot went on writing
    const updated = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    expect(updated.sessions).toEqual([expect.objectContaining({ action: 'convert', messages: 4 })]);

    const store = new SessionStore(stateDir, { logger: quiet });
    await store.appendTurn('telegram:7', 'turn-here', [{ role: 'user', content: 'here' }, { role: 'assistant', content: 'ok' }]);
    await write(6);
    const refused = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    expect(refused.sessions).toEqual([expect.objectContaining({ action: 'conflict', reason: expect.stringContaining('has had turns here since') })]);
    await expect(readdir(join(workspace, 'sessions'))).resolves.toEqual(['telegram_7.jsonl']);
    expect((await store.read('telegram:7')).messages).toHaveLength(6);
  });

  it('reports what it cannot convert and leaves it in place: a link, a key that is no session id', async () => {
    const { symlink } = await import('node:fs/promises');
    await writeFile(join(base, 'elsewhere.jsonl'), py({ _type: 'metadata', key: 'x:1' }));
    await symlink(join(base, 'elsewhere.jsonl'), join(workspace, 'sessions', 'linked.jsonl'));
    await writeFile(join(workspace, 'sessions', 'bad.jsonl'), `${py({ _type: 'metadata', key: 'line\nbreak' })}\n${py({ role: 'user', content: 'x' })}\n`);
    const result = await migrateNanobotSessions({ workspace, stateDir, logger: quiet });
    expect(result.sessions).toEqual([
      expect.objectContaining({ action: 'skip', source: join(workspace, 'sessions', 'bad.jsonl'), reason: expect.stringContaining('cannot be a session id') }),
      expect.objectContaining({ action: 'skip', source: join(workspace, 'sessions', 'linked.jsonl'), reason: expect.stringMatching(/^not read: /) }),
    ]);
    await expect(readdir(join(workspace, 'sessions'))).resolves.toEqual(['bad.jsonl', 'linked.jsonl']);
  });
});
