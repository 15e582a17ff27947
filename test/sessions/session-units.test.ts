// The deterministic pieces of sessions, without a server: the inbox (order, dedup, carry-over),
// command parsing, job timing, CLI helpers.
import { describe, expect, it } from 'vitest';
import { InvalidJobError, jobTiming } from '../../src/schedules/session-schedules.js';
import { describeProgress, describeStatus } from '../../src/cli/chat-command.js';
import { parseHeartbeat } from '../../src/cli/send-command.js';
import { createCronTool } from '../../src/tools/cron-tool.js';
import { createSpawnTool } from '../../src/tools/spawn-tool.js';
import { sessionTurnId, sessionWorkflowId, type SessionStatus } from '../../src/contract/index.js';
import { commandOf } from '../../src/contract/index.js';
import { EXPIRED_REPLY, SessionInbox } from '../../workflows/session-inbox.js';
import { SessionMessageInput, SessionWorkflowInput, type SessionReply } from '../../src/contract/index.js';
import { withSessionOnlyTools } from '../../src/contract/index.js';
import { textTool } from '../support/text-tool.js';

const msg = (text: string, messageId?: string) => SessionMessageInput.parse({ text, messageId });
const done = (messageId: string, content = `reply to ${messageId}`): SessionReply => ({
  messageId,
  status: 'completed',
  content,
  toolsUsed: [],
});

function newInbox(maxRecent = 10): SessionInbox {
  return new SessionInbox({ pending: [], recent: [], messageSeq: 0 }, { maxRecent, maxPending: 100 });
}

describe('SessionInbox', () => {
  it('runs messages in arrival order and numbers them', () => {
    const inbox = newInbox();
    let n = 0;
    const id = () => `auto-${n++}`;
    inbox.accept(msg('a'), id);
    inbox.accept(msg('b', 'B'), id);
    inbox.accept(msg('c'), id);
    expect([inbox.start(), inbox.start(), inbox.start()].map((m) => [m?.text, m?.messageId, m?.seq])).toEqual([
      ['a', 'auto-0', 0],
      ['b', 'B', 1],
      ['c', 'auto-1', 2],
    ]);
    expect(inbox.start()).toBeUndefined();
  });

  it('treats a repeated id as a duplicate while queued, running and after its reply', async () => {
    const inbox = newInbox();
    const id = () => 'never';
    expect(inbox.accept(msg('x', 'm1'), id).kind).toBe('queued');
    expect(inbox.accept(msg('x again', 'm1'), id)).toEqual({ kind: 'duplicate', messageId: 'm1' });
    const waiting = inbox.reply('m1');
    inbox.start();
    expect(inbox.accept(msg('x', 'm1'), id).kind).toBe('duplicate');
    inbox.complete(done('m1'));
    inbox.finish();
    await expect(waiting).resolves.toEqual(done('m1'));
    expect(inbox.accept(msg('x', 'm1'), id)).toEqual({ kind: 'duplicate', messageId: 'm1', reply: done('m1') });
    expect(inbox.pendingCount).toBe(0);
  });

  it('knows when a queued message has a waiting caller (it must be answered before continue-as-new)', () => {
    const inbox = newInbox();
    inbox.accept(msg('signalled', 's1'), () => '');
    expect(inbox.hasAwaitedPending()).toBe(false);
    inbox.accept(msg('updated', 'u1'), () => '');
    void inbox.reply('u1');
    expect(inbox.hasAwaitedPending()).toBe(true);
  });

  it('forgets the oldest replies beyond its bound', () => {
    const inbox = newInbox(2);
    for (const id of ['a', 'b', 'c']) inbox.complete(done(id));
    expect(inbox.answered('a')).toBeUndefined();
    expect(inbox.answered('c')).toEqual(done('c'));
  });

  it('carries pending messages and replies into the next run, dropping old reply texts over budget', () => {
    const inbox = newInbox();
    inbox.complete(done('old', 'x'.repeat(60)));
    inbox.complete(done('new', 'y'.repeat(60)));
    inbox.accept(msg('later', 'p1'), () => '');
    const snapshot = inbox.snapshot(100);
    expect(snapshot.pending.map((m) => m.messageId)).toEqual(['p1']);
    expect(snapshot.recent.map((r) => [r.messageId, r.content.slice(0, 1)])).toEqual([
      ['old', EXPIRED_REPLY.slice(0, 1)],
      ['new', 'y'],
    ]);
    const next = new SessionInbox(snapshot, { maxRecent: 10, maxPending: 100 });
    expect(next.accept(msg('old', 'old'), () => '').kind).toBe('duplicate');
    expect(next.start()?.messageId).toBe('p1');
    expect(next.accept(msg('after', 'q'), () => '')).toMatchObject({ kind: 'queued', message: { seq: 1 } });
  });

  it('drops queued messages on /stop, answering their waiters', async () => {
    const inbox = newInbox();
    inbox.accept(msg('one', 'a'), () => '');
    const waiting = inbox.reply('a');
    expect(inbox.dropPending((m) => ({ ...done(m.messageId), status: 'stopped' }))).toBe(1);
    await expect(waiting).resolves.toMatchObject({ status: 'stopped' });
  });
});

describe('session ids, commands and input', () => {
  it('derives the workflow and turn ids from the session and message ids', () => {
    expect(sessionWorkflowId('s1')).toBe('session-s1');
    expect(sessionTurnId('session-s1', 'm1')).toBe('session-s1/m1');
  });

  it('recognises commands only as the first word', () => {
    expect(commandOf('/stop')).toBe('/stop');
    expect(commandOf('  /NEW please')).toBe('/new');
    expect(commandOf('/help')).toBe('/help');
    expect(commandOf('/stopper')).toBeUndefined();
    expect(commandOf('please /stop')).toBeUndefined();
  });

  it('fills session defaults and rejects unknown keys', () => {
    expect(SessionWorkflowInput.parse({ sessionId: 's' })).toMatchObject({
      maxTurnsBeforeContinueAsNew: 50,
      idleTimeout: '24h',
    });
    expect(SessionWorkflowInput.safeParse({ sessionId: 's', idleTimeout: 'soon' }).success).toBe(false);
    expect(SessionWorkflowInput.safeParse({ sessionId: 's', bogus: 1 }).success).toBe(false);
  });

  it('hides spawn and cron from every turn that is not a session', () => {
    expect(withSessionOnlyTools(['exec'])).toEqual(['exec', 'spawn', 'cron']);
    expect(withSessionOnlyTools(['spawn'])).toEqual(['spawn', 'cron']);
  });

  it('spawn and cron outside a session explain where they work', async () => {
    const ctx = { sessionId: 's' };
    expect(await textTool(createSpawnTool()).execute({ task: 'x' }, ctx)).toMatch(/^Error: spawn is only available inside a session/);
    expect(await textTool(createCronTool()).execute({ action: 'list' }, ctx)).toMatch(/^Error: cron is only available inside a session/);
    expect(createCronTool().parameters).toMatchObject({ properties: { action: { enum: ['add', 'list', 'remove'] } } });
  });
});

describe('jobTiming', () => {
  const now = new Date('2030-01-01T00:00:00Z');

  it('turns every_seconds, cron_expr + tz and at into schedule specs', () => {
    expect(jobTiming({ action: 'add', every_seconds: 90 }, now)).toMatchObject({
      kind: 'every',
      spec: { intervals: [{ every: '90s' }] },
    });
    expect(jobTiming({ action: 'add', cron_expr: '0 9 * * 1-5', tz: 'Europe/Berlin' }, now)).toMatchObject({
      kind: 'cron',
      spec: { cronExpressions: ['0 9 * * 1-5'], timezone: 'Europe/Berlin' },
    });
    expect(jobTiming({ action: 'add', at: '2030-01-31T09:15:30+01:00' }, now)).toMatchObject({
      kind: 'at',
      spec: { calendars: [{ year: 2030, month: 'JANUARY', dayOfMonth: 31, hour: 8, minute: 15, second: 30 }] },
    });
  });

  it.each([
    [{ action: 'add' as const }, /exactly one of/],
    [{ action: 'add' as const, every_seconds: 5, at: '2030-02-01T00:00:00Z' }, /exactly one of/],
    [{ action: 'add' as const, at: '2029-12-31T23:59:59Z' }, /in the past/],
    [{ action: 'add' as const, at: 'tomorrow' }, /not an ISO time/],
    [{ action: 'add' as const, cron_expr: '* *' }, /needs 5 fields/],
    [{ action: 'add' as const, cron_expr: '0 9 * * *', tz: 'Mars/Olympus' }, /unknown time zone/],
    [{ action: 'add' as const, every_seconds: 5, tz: 'UTC' }, /tz only applies to cron_expr/],
  ])('rejects %o', (args, message) => {
    expect(() => jobTiming(args, now)).toThrow(InvalidJobError);
    expect(() => jobTiming(args, now)).toThrow(message);
  });

  it('holds every job to the minimum interval, cron expressions included', () => {
    expect(() => jobTiming({ action: 'add', every_seconds: 59 }, now)).toThrow(/every_seconds must be at least 60/);
    expect(() => jobTiming({ action: 'add', cron_expr: '*/5 * * * * *' }, now)).toThrow(/needs 5 fields/);
    // With a 5-minute minimum, every-minute and every-five-minutes cron jobs are refused; hourly passes.
    expect(() => jobTiming({ action: 'add', cron_expr: '* * * * *' }, now, 300)).toThrow(/more often than every 300s/);
    expect(() => jobTiming({ action: 'add', cron_expr: '*/5 * * * *' }, now, 300)).toThrow(/more often than every 300s/);
    expect(jobTiming({ action: 'add', cron_expr: '15 * * * *' }, now, 300)).toMatchObject({ kind: 'cron' });
    expect(() => jobTiming({ action: 'add', cron_expr: '15 * * * *' }, now, 7200)).toThrow(/more often than every 7200s/);
    expect(jobTiming({ action: 'add', cron_expr: '15 9 * * *' }, now, 7200)).toMatchObject({ kind: 'cron' });
  });
});

describe('CLI helpers', () => {
  it('parses --heartbeat intervals', () => {
    expect(parseHeartbeat('90')).toBe(90);
    expect(parseHeartbeat('30m')).toBe(1800);
    expect(parseHeartbeat('1h')).toBe(3600);
    expect(parseHeartbeat('off')).toBeNull();
    expect(parseHeartbeat('1.5h')).toBe(5400);
    expect(parseHeartbeat('2 days')).toBe(172_800);
    expect(() => parseHeartbeat('often')).toThrow('--heartbeat needs a duration such as 30m, 1h or 90s, or "off", got "often"');
    expect(() => parseHeartbeat('0s')).toThrow('--heartbeat must be at least 1s.');
    expect(() => parseHeartbeat('1500ms')).toThrow('--heartbeat needs whole seconds, got "1500ms"');
  });

  it('describes what the running turn does', () => {
    expect(describeProgress({ phase: 'tools', iteration: 1, tools: [{ name: 'exec', firstArg: 'sleep 5' }] })).toBe(
      'running exec: sleep 5',
    );
    expect(describeProgress({ phase: 'llm', iteration: 2 })).toBe('thinking (model call 2)');
    const status: SessionStatus = {
      sessionId: 's',
      workflowId: 'session-s',
      state: 'running',
      turn: { messageId: 'm', turnId: 't', seq: 0, origin: 'user', progress: { phase: 'llm', iteration: 1 }, startedAt: 0, elapsedMs: 1 },
      pending: 2,
      dropped: 0,
      turnCount: 0,
      run: 1,
      subagents: [],
      clearing: false,
    };
    expect(describeStatus(status, 3_250)).toBe('[3.3s] thinking (model call 1) (+2 queued)');
    expect(describeStatus({ ...status, turn: undefined, pending: 0 }, 0)).toBe('');
  });
});
