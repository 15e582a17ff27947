// The gateway's web chat page in a real headless browser, against a real gateway process and a
// real worker process: sign in, a streamed answer, a message from the `message` tool, a tool
// call with its progress and Stop, and a reload that shows the history. The screenshot is kept
// as an artifact (test-artifacts/, git-ignored).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/cli-process.js';
import { startGatewayStack, type GatewayStack } from './gateway-stack.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const ANSWER = "[scripted-llm] Nice to meet you, Ada! I'll remember that.";
const SLOW_COMMAND = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo tick $i; sleep 1; done';

let stack: (GatewayStack & { tokens: Record<string, string> }) | undefined;
let browser: BrowserContext | undefined;
let profile: string;

beforeAll(async () => {
  profile = await mkdtemp(join(tmpdir(), 'exoclaw-chat-page-'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(profile, { recursive: true, force: true });
});

describe('the gateway web chat page', () => {
  it('signs in, streams an answer, shows a tool message, a running tool with Stop, and the history after a reload', async () => {
    // Fails (never skips) without the browser: CI installs it in .ci/run.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`).toBe(true);
    stack = await startGatewayStack({ tokens: { web: undefined } });
    browser = await chromium.launchPersistentContext(join(profile, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    await page.goto(stack.url);

    // A wrong token is refused and said so; the right one opens the chat.
    await page.fill('#token', 'exo_gw_wrong');
    await page.click('#sign-in-button');
    await page.getByText('The token was refused').waitFor({ timeout: 15_000 });
    await page.fill('#token', stack.tokens['web']!);
    await page.click('#sign-in-button');
    await page.locator('#chat').waitFor({ state: 'visible', timeout: 15_000 });

    await page.fill('#new-session', 'web-1');
    await page.click('#new-session-form button');
    await expect.poll(() => page.textContent('#session-title')).toBe('web-1');

    // A streamed answer: the assistant bubble grows through partial texts before the whole answer.
    await recordAssistantTexts(page);
    await send(page, 'my name is Ada');
    await page.locator('.msg.assistant', { hasText: ANSWER }).waitFor({ timeout: 60_000 });
    const seen = (await page.evaluate('window.__assistantTexts')) as string[];
    const partial = seen.filter((text) => text.length > 0 && text.length < ANSWER.length);
    expect(partial.length, `texts the bubble showed: ${JSON.stringify(seen)}`).toBeGreaterThan(0);
    for (const text of partial) expect(ANSWER.startsWith(text), `"${text}" is a beginning of the answer`).toBe(true);

    // A message from the `message` tool shows up as its own bubble.
    await send(page, 'tell me later: the oven is hot');
    await page.locator('.msg.message', { hasText: 'the oven is hot' }).waitFor({ timeout: 60_000 });

    // A tool call with progress, and Stop.
    await send(page, `run the command "${SLOW_COMMAND}"`);
    const tool = page.locator('.tool', { hasText: 'exec' }).last();
    await tool.waitFor({ timeout: 60_000 });
    await expect.poll(async () => tool.locator('.progress').textContent(), { timeout: 30_000 }).toMatch(/tick \d+/);
    await page.locator('#stop').waitFor({ state: 'visible' });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'gateway-web-chat-running-tool.png'), fullPage: true });
    await page.click('#stop');
    await page.locator('.msg.error', { hasText: 'Stopped.' }).waitFor({ timeout: 30_000 });
    await page.locator('#stop').waitFor({ state: 'hidden', timeout: 10_000 });

    // A reload (signed in still, the session from the address) shows the stored history.
    await page.reload();
    await page.locator('#chat').waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.msg.user', { hasText: 'my name is Ada' }).waitFor({ timeout: 15_000 });
    await page.locator('.msg.assistant', { hasText: ANSWER }).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator('#sessions li', { hasText: 'web-1' }).count()).toBe(1);
    await page.click('#reload');
    await page.locator('.msg.user', { hasText: 'tell me later' }).waitFor({ timeout: 15_000 });

    const screenshot = join(ARTIFACTS, 'gateway-web-chat.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`gateway web chat screenshot: ${screenshot}`);
    // The page never puts the token in an address (where logs and history would keep it).
    expect(stack.gateway.stderr()).not.toContain(stack.tokens['web']!);
  }, 240_000);
});

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#input', text);
  await page.click('#send');
}

/** Records every text the newest assistant bubble shows, as the page changes it. */
async function recordAssistantTexts(page: Page): Promise<void> {
  // Browser code, as text: this project's TypeScript has no DOM types.
  await page.evaluate(`(() => {
    const texts = [];
    window.__assistantTexts = texts;
    new MutationObserver(() => {
      const bubbles = document.querySelectorAll('#messages .msg.assistant');
      const text = bubbles[bubbles.length - 1]?.textContent ?? '';
      if (texts.at(-1) !== text) texts.push(text);
    }).observe(document.getElementById('messages'), { childList: true, subtree: true, characterData: true });
  })()`);
}
