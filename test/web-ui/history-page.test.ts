// The local stack's Web UI in a real headless browser: a turn runs with payload encryption on,
// so history holds only ciphertext and message references; the workflow's history page must
// still show the user's message and the model's answer as text, decoded through the stack's
// codec server. The screenshot is kept as an artifact (test-artifacts/, git-ignored).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../dev/local-stack/local-stack.js';
import { createLogger } from '../../src/logger.js';
import { historyToJson } from '../../src/temporal/history-json.js';
import { ROOT } from '../cli/cli-process.js';
import { testKey } from '../encryption/keys.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const USER_MESSAGE = 'My name is Ada';
const ANSWER = "Nice to meet you, Ada! I'll remember that.";

let root: string;
let stack: LocalStack | undefined;
let browser: BrowserContext | undefined;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'exoclaw-web-ui-'));
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('the Web UI with the codec server', () => {
  it('shows the user message and the model answer of an encrypted turn as text on its history page', async () => {
    // Fails (never skips) without the browser: CI installs it in .ci/run.
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`).toBe(true);

    const key = testKey('web-ui');
    stack = await startLocalStack({
      root: join(root, 'stack'),
      port: 0,
      uiPort: 0,
      codecPort: 0,
      env: { HOME: root, EXOCLAW_ENCRYPTION_KEYS: `${key.id}:${key.base64}` },
      workflowBundle: { codePath: inject('workflowBundlePath') },
      logger: createLogger({ level: 'warn' }),
    });
    expect(stack.codec, 'the local stack starts a codec server with its Web UI').toBeDefined();

    const outcome = await stack.client.runTurn({ sessionId: 'web-ui', message: USER_MESSAGE });
    expect(outcome.finalContent).toBe(`[scripted-llm] ${ANSWER}`);
    // Without the codec server there is nothing to read: history holds ciphertext only.
    const history = await stack.client.client.workflow.getHandle(outcome.workflowId).fetchHistory();
    expect(payloadText(JSON.parse(historyToJson(history)))).not.toContain('Ada');

    browser = await chromium.launchPersistentContext(join(root, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1600, height: 1400 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const decodes: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(`${stack!.codec!.url}/token/`) && response.url().includes('/decode')) decodes.push(response.status());
    });
    const history_page = stack.workflowUrl(outcome.workflowId, outcome.runId)!;
    await page.goto(history_page);

    // The workflow's input and result cards, decrypted by the codec server.
    await page.getByText(`"${USER_MESSAGE}"`).first().waitFor({ timeout: 30_000 });
    await page.getByText(ANSWER).first().waitFor({ timeout: 30_000 });
    // The record step (a local activity: a marker): its summary, and its result's message
    // references expanded into the messages' text.
    const recordRow = page.getByText('recordTurn: 2 messages').first();
    await recordRow.waitFor({ timeout: 30_000 });
    await recordRow.click();
    await page.getByText('"role": "user"').first().waitFor({ timeout: 30_000 });
    const before = await page.innerText('body');
    // The details viewer draws only the lines in view: scroll each one to its end for the assistant's message.
    await page.locator('.cm-scroller').evaluateAll((scrollers) => scrollers.forEach((el) => el.scrollTo(0, el.scrollHeight)));
    await page.getByText('"role": "assistant"').first().waitFor({ timeout: 30_000 });

    const text = `${before}\n${await page.innerText('body')}`;
    expect(text).toContain(`"message": "${USER_MESSAGE}"`);
    expect(text).toContain(ANSWER);
    expect(text).toContain(`buildPrompt: ${USER_MESSAGE}`);
    expect(text).toMatch(/"role": "user",\s*"content": "My name is Ada"/);
    expect(text).toMatch(/"role": "assistant",\s*"content": "\[scripted-llm\] Nice to meet you, Ada/);
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 200), `codec responses: ${decodes.join(', ')}`).toBe(true);

    await mkdir(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'web-ui-history-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`Web UI history page screenshot: ${screenshot}`);
  }, 180_000);
});

/** The text of every payload's data in a history (base64-decoded), to show what a reader without the codec sees. */
function payloadText(value: unknown, out: string[] = []): string {
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record['data'] === 'string' && typeof record['metadata'] === 'object') {
      out.push(Buffer.from(record['data'], 'base64').toString('utf8'));
    } else {
      for (const child of Object.values(record)) payloadText(child, out);
    }
  }
  return out.join('\n');
}
