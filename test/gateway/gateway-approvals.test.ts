// Approvals through the gateway, against a real gateway process and a real worker process whose
// config asks before every `exec`: the HTTP endpoints list, approve (the command runs once) and
// deny (the model reads the reason), token scope and clear 4xx answers; then the web chat page in
// headless chromium, whose card's buttons answer the same calls. Screenshots go to test-artifacts/.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../src/contract/approvals.js';
import { safeSessionId } from '../../src/conversation/session-id.js';
import { ROOT } from '../cli/cli-process.js';
import { waitUntil } from '../support/wait.js';
import { startGatewayStack, type GatewayStack } from './gateway-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const REASON = 'Commands need a person.';

let stack: GatewayStack & { tokens: Record<string, string> };

beforeAll(async () => {
  stack = await startGatewayStack({
    config: { tools: { policy: { rules: [{ tool: 'exec', action: 'ask', reason: REASON }] } } },
    tokens: { ops: undefined, web: undefined, 'team-a': 'team-a:' },
  });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${init.token ?? stack.tokens['ops']!}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${stack.url}${path}`, { ...init, headers });
}

const approvalsPath = (sessionId: string, id?: string) =>
  `/v1/sessions/${encodeURIComponent(sessionId)}/approvals${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;

async function sendNoWait(sessionId: string, text: string): Promise<void> {
  const sent = await call(`/v1/sessions/${encodeURIComponent(sessionId)}/messages`, { method: 'POST', body: JSON.stringify({ text, wait: false }) });
  expect(sent.status).toBe(202);
}

async function waitingCall(sessionId: string): Promise<PendingApproval> {
  return waitUntil(
    `a waiting call in ${sessionId}`,
    async () => {
      const listed = await call(approvalsPath(sessionId));
      expect(listed.status).toBe(200);
      const body = (await listed.json()) as { approvals: PendingApproval[] };
      return body.approvals[0];
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
}

async function assistantSays(sessionId: string, text: string): Promise<void> {
  await waitUntil(
    `the answer in ${sessionId} to contain "${text}"`,
    async () => {
      const history = (await (await call(`/v1/sessions/${encodeURIComponent(sessionId)}/history`)).json()) as { messages: { role: string; content: string }[] };
      return history.messages.some((m) => m.role === 'assistant' && m.content.includes(text));
    },
    { timeoutMs: 60_000, intervalMs: 300 },
  );
}

function toolDecisions(sessionId: string): Record<string, unknown>[] {
  return readFileSync(join(stack.stateDir, 'sessions', `${safeSessionId(sessionId)}.jsonl`), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { role?: string; decision?: Record<string, unknown> })
    .filter((r) => r.role === 'tool' && r.decision)
    .map((r) => r.decision!);
}

describe('gateway: approvals endpoints', () => {
  it('lists a waiting call, refuses other scopes and bad input, approves it (runs once), then answers 404', async () => {
    const sessionId = `ga-allow-${Date.now()}`;
    await sendNoWait(sessionId, "run the command 'echo ran >> approved.log && echo done-$((40+2))'");
    const pending = await waitingCall(sessionId);
    expect(pending).toMatchObject({ tool: 'exec', sessionId, reason: REASON, rule: 0 });
    expect(pending.args).toContain('approved.log');

    // Scope: a token for team-a:* neither sees nor answers it.
    const foreign = stack.tokens['team-a']!;
    const seen = await call(approvalsPath(sessionId), { token: foreign });
    expect(seen.status).toBe(403);
    expect(((await seen.json()) as { error: { code: string } }).error.code).toBe('session_out_of_scope');
    const answered = await call(approvalsPath(sessionId, pending.id), { token: foreign, method: 'POST', body: JSON.stringify({ decision: 'allow' }) });
    expect(answered.status).toBe(403);

    // Clear 4xx answers: an id that does not wait, an id of another session, a bad body.
    const unknown = await call(approvalsPath(sessionId, `${pending.workflowId}#00000000`), { method: 'POST', body: JSON.stringify({ decision: 'allow' }) });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/No call of session .* waits/);
    const elsewhere = await call(approvalsPath(`${sessionId}-other`, pending.id), { method: 'POST', body: JSON.stringify({ decision: 'allow' }) });
    expect(elsewhere.status).toBe(404);
    const bad = await call(approvalsPath(sessionId, pending.id), { method: 'POST', body: JSON.stringify({ decision: 'maybe' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/decision/);
    // None of that answered it.
    expect((await waitingCall(sessionId)).id).toBe(pending.id);

    const approved = await call(approvalsPath(sessionId, pending.id), { method: 'POST', body: JSON.stringify({ decision: 'allow' }) });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ sessionId, by: 'ops', approval: { id: pending.id, decision: 'allow', tool: 'exec' } });
    await assistantSays(sessionId, 'done-42');
    expect(readFileSync(join(stack.home, 'workspace', 'approved.log'), 'utf8')).toBe('ran\n');
    await waitUntil('the decision in the session log', () => toolDecisions(sessionId).length === 1, { timeoutMs: 30_000 });
    expect(toolDecisions(sessionId)).toEqual([expect.objectContaining({ action: 'allow', source: 'approval', by: 'ops', approvalId: pending.id })]);

    // Answered: nothing waits under that id any more.
    const again = await call(approvalsPath(sessionId, pending.id), { method: 'POST', body: JSON.stringify({ decision: 'deny' }) });
    expect(again.status).toBe(404);
    const listed = (await (await call(approvalsPath(sessionId))).json()) as { approvals: unknown[] };
    expect(listed.approvals).toEqual([]);
  }, 180_000);

  it('a deny with a reason reaches the model', async () => {
    const sessionId = `ga-deny-${Date.now()}`;
    await sendNoWait(sessionId, "run the command 'echo nope'");
    const pending = await waitingCall(sessionId);
    const denied = await call(approvalsPath(sessionId, pending.id), { method: 'POST', body: JSON.stringify({ decision: 'deny', reason: 'not on a Friday' }) });
    expect(denied.status).toBe(200);
    await assistantSays(sessionId, 'A person denied this exec call: not on a Friday');
    await waitUntil('the decision in the session log', () => toolDecisions(sessionId).length === 1, { timeoutMs: 30_000 });
    expect(toolDecisions(sessionId)).toEqual([expect.objectContaining({ action: 'deny', source: 'approval', by: 'ops', reason: 'not on a Friday' })]);
  }, 120_000);
});

describe('gateway: approvals on the web chat page', () => {
  let browser: BrowserContext | undefined;
  let profile: string;
  beforeAll(async () => {
    profile = await mkdtemp(join(tmpdir(), 'exoclaw-chat-approvals-'));
  });
  afterAll(async () => {
    await browser?.close();
    await rm(profile, { recursive: true, force: true });
  });

  it('shows the waiting call as a card; Allow once runs the tool and the answer shows; after a reload, Deny with a reason', async () => {
    // Fails (never skips) without the browser: CI installs it in .ci/run.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`).toBe(true);
    browser = await chromium.launchPersistentContext(join(profile, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(stack.url);
    await page.fill('#token', stack.tokens['web']!);
    await page.click('#sign-in-button');
    await page.locator('#chat').waitFor({ state: 'visible', timeout: 15_000 });
    const sessionId = `web-approve-${Date.now()}`;
    await page.fill('#new-session', sessionId);
    await page.click('#new-session-form button');
    await expect.poll(() => page.textContent('#session-title')).toBe(sessionId);

    // The card comes from the approval_requested event: tool, arguments, the rule's reason.
    await send(page, "run the command 'echo from-the-page && echo done-$((40+2))'");
    const card = page.locator('.approval.waiting').last();
    await card.waitFor({ timeout: 60_000 });
    await expect.poll(() => card.textContent()).toContain('Approval needed: exec');
    expect(await card.locator('.args').textContent()).toContain('echo from-the-page');
    expect(await card.locator('.reason').textContent()).toBe(REASON);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'gateway-web-chat-approval.png'), fullPage: true });

    await card.getByRole('button', { name: 'Allow once' }).click();
    const allowed = page.locator('.approval.allowed').last();
    await allowed.waitFor({ timeout: 30_000 });
    expect(await allowed.locator('.status').textContent()).toBe('Allowed once by web.');
    await page.locator('.tool.done', { hasText: 'exec' }).last().waitFor({ timeout: 60_000 });
    expect(await page.locator('.tool.done', { hasText: 'exec' }).last().textContent()).toContain('from-the-page');
    await page.locator('.msg.assistant', { hasText: 'done-42' }).waitFor({ timeout: 60_000 });
    const screenshot = join(ARTIFACTS, 'gateway-web-chat-approved.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`gateway web chat approval screenshot: ${screenshot}`);

    // A call that waits while the page reloads: the card comes back from the list endpoint.
    await send(page, "run the command 'echo second'");
    await page.locator('.approval.waiting').waitFor({ timeout: 60_000 });
    await page.reload();
    await page.locator('#chat').waitFor({ state: 'visible', timeout: 15_000 });
    const again = page.locator('.approval.waiting');
    await again.waitFor({ timeout: 15_000 });
    expect(await again.count()).toBe(1);
    expect(await again.locator('.args').textContent()).toContain('echo second');
    await again.locator('.deny-reason').fill('not from the page');
    await again.getByRole('button', { name: 'Deny' }).click();
    const denied = page.locator('.approval.denied');
    await denied.waitFor({ timeout: 30_000 });
    expect(await denied.locator('.status').textContent()).toBe('Denied by web (not from the page).');
    await page.locator('.msg.assistant', { hasText: 'A person denied this exec call: not from the page' }).waitFor({ timeout: 60_000 });
    // The session log is written as the turn ends, which may be just after the reply event.
    await waitUntil('both decisions in the session log', () => toolDecisions(sessionId).length === 2, { timeoutMs: 30_000 });
    expect(toolDecisions(sessionId)).toEqual([
      expect.objectContaining({ action: 'allow', source: 'approval', by: 'web' }),
      expect.objectContaining({ action: 'deny', source: 'approval', by: 'web', reason: 'not from the page' }),
    ]);
  }, 240_000);
});

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.click('#send');
}
