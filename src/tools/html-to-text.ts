import { Worker } from 'node:worker_threads';
import { decodeHTML } from 'entities';

/**
 * HTML to readable text for web_fetch, with the `html-to-text` library: headings as `#` lines,
 * links as `[text](url)`, list items, table rows, entities decoded, scripts and styles dropped.
 *
 * A fetched page is hostile input, and parsing some markup takes far longer than its size
 * suggests (deeply nested elements are quadratic in the parser). So the input is capped and the
 * conversion runs in a worker thread with a deadline: the worker's event loop (activity
 * heartbeats, other tool calls) never waits on it. A worker that runs out of time or memory is
 * terminated and the page comes back with its tags stripped, with a note saying so. At most
 * MAX_CONCURRENT_CONVERSIONS workers run at once.
 */

export interface HtmlText {
  title: string;
  text: string;
  /** Set when the text is not the full conversion (input cut, or the tag-strip fallback). */
  note?: string;
}

export interface HtmlToTextOptions {
  /** Characters of HTML converted; the rest is dropped with a note (default 2,097,152). */
  maxChars?: number;
  /** Time the worker thread gets before it is terminated (default 5 s). */
  timeoutMs?: number;
  /** Terminates the conversion; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export const MAX_HTML_CHARS = 2 * 1024 * 1024;
export const HTML_CONVERT_TIMEOUT_MS = 5_000;

/** Plain JavaScript, so it starts the same from src/ (tsx, vitest) and from dist/ (see its header). */
const WORKER_URL = new URL('./html-to-text-worker.mjs', import.meta.url);

/** Enough heap for a 2 MB page's DOM (dense ones need ~100 MB); a page that needs more is not worth converting. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 };
/** Workers at once, so parallel fetches cannot multiply that heap; the others wait off the event loop. */
export const MAX_CONCURRENT_CONVERSIONS = 2;

export async function htmlToText(html: string, baseUrl?: string, opts: HtmlToTextOptions = {}): Promise<HtmlText> {
  const maxChars = opts.maxChars ?? MAX_HTML_CHARS;
  const timeoutMs = opts.timeoutMs ?? HTML_CONVERT_TIMEOUT_MS;
  const cut = html.length > maxChars;
  const input = cut ? html.slice(0, maxChars) : html;
  const cutNote = cut ? `HTML cut to its first ${maxChars} of ${html.length} characters before conversion` : undefined;

  const release = await conversionSlot(opts.signal);
  let outcome: WorkerOutcome;
  try {
    outcome = await convertInWorker(input, baseUrl, timeoutMs, opts.signal);
  } finally {
    release();
  }
  if (outcome.ok) {
    return cutNote ? { ...outcome.value, note: `${cutNote}.` } : outcome.value;
  }
  const stripped = stripTags(input);
  const why = `the page could not be converted (${outcome.reason}); showing its text with the markup stripped`;
  return { ...stripped, note: cutNote ? `${cutNote}; ${why}.` : `${why.charAt(0).toUpperCase()}${why.slice(1)}.` };
}

type WorkerOutcome = { ok: true; value: HtmlText } | { ok: false; reason: string };

function convertInWorker(html: string, baseUrl: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<WorkerOutcome> {
  return new Promise<WorkerOutcome>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let settled = false;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, {
        workerData: { html, baseUrl },
        resourceLimits: WORKER_LIMITS,
        // Not the parent's flags: the worker is plain JavaScript and needs none (and some, such as
        // --input-type, would stop it from starting).
        execArgv: [],
      });
    } catch (error) {
      resolve({ ok: false, reason: `no worker thread: ${(error as Error).message}` });
      return;
    }
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = (): void => finish(() => reject(signal?.reason));
    const timer = setTimeout(
      () => finish(() => resolve({ ok: false, reason: `it took longer than ${timeoutMs} ms` })),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (message: unknown) => {
      const value = message as { title?: unknown; text?: unknown };
      finish(() =>
        resolve(
          typeof value.title === 'string' && typeof value.text === 'string'
            ? { ok: true, value: { title: value.title, text: value.text } }
            : { ok: false, reason: 'the converter answered nothing usable' },
        ),
      );
    });
    worker.once('error', (error: Error & { code?: string }) => {
      const reason = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it needed too much memory' : `the converter failed: ${error.message}`;
      finish(() => resolve({ ok: false, reason }));
    });
    worker.once('exit', (code) => finish(() => resolve({ ok: false, reason: `the converter stopped (exit code ${code})` })));
  });
}

let running = 0;
const waiting: Array<() => void> = [];

/** Waits for one of the MAX_CONCURRENT_CONVERSIONS slots; the returned function frees it. */
async function conversionSlot(signal?: AbortSignal): Promise<() => void> {
  signal?.throwIfAborted();
  if (running < MAX_CONCURRENT_CONVERSIONS) {
    running++;
  } else {
    await new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        waiting.splice(waiting.indexOf(wake), 1);
        reject(signal?.reason);
      };
      waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    // the slot was handed over by the releaser: `running` already counts it
  }
  let freed = false;
  return () => {
    if (freed) return;
    freed = true;
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

const RAW_TEXT = new Set(['script', 'style', 'noscript', 'template', 'textarea', 'title', 'xmp']);
const LINE_TAGS = new Set(['br', 'p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'table', 'ul', 'ol', 'dt', 'dd', 'section', 'article']);

/**
 * The fallback: tags dropped, script and style bodies too, entities decoded, line tags as line
 * breaks. One forward pass with indexOf, so it stays linear on any input (a regex such as
 * `<[^>]*>` rescans to the end for every `<` of an unterminated tag: quadratic).
 */
export function stripTags(html: string): { title: string; text: string } {
  let out = '';
  let title = '';
  let textStart = 0; // start of the text not yet copied to `out`
  let from = 0;
  while (from < html.length) {
    const lt = html.indexOf('<', from);
    if (lt === -1) break;
    const closing = html.charCodeAt(lt + 1) === 0x2f; // '/'
    const next = html.charCodeAt(closing ? lt + 2 : lt + 1);
    if (!closing && !isAsciiLetter(next) && next !== 0x21 && next !== 0x3f) {
      from = lt + 1; // a lone '<' ('<' then neither a letter, '/', '!' nor '?') is text
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    out += html.slice(textStart, lt);
    if (gt === -1) {
      textStart = html.length; // an unterminated tag: the rest is markup
      break;
    }
    let end = closing ? lt + 2 : lt + 1;
    while (end < gt && end - lt < 16 && isNameChar(html.charCodeAt(end))) end++;
    const name = html.slice(closing ? lt + 2 : lt + 1, end).toLowerCase();
    out += LINE_TAGS.has(name) ? '\n' : ' ';
    textStart = from = gt + 1;
    if (!closing && RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}`, 'gi');
      close.lastIndex = from;
      const found = close.exec(html);
      const body = html.slice(from, found ? found.index : html.length);
      if (name === 'title' && title === '') title = collapse(decodeHTML(body)).trim();
      else if (name === 'textarea' || name === 'xmp') out += body;
      textStart = from = found ? found.index : html.length;
    }
  }
  out += html.slice(textStart);
  return { title, text: tidyWhitespace(decodeHTML(out)) };
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * Runs of spaces become one space, runs of line breaks at most one empty line, lines and the
 * whole text trimmed. One pass over the characters: a regex replace costs far more per match, and
 * a hostile page is all matches.
 */
function tidyWhitespace(text: string): string {
  const out = new Uint16Array(text.length);
  let length = 0;
  let space = false;
  let breaks = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a) {
      breaks++;
    } else if (code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0c || code === 0x0b || code === 0xa0) {
      space = true;
    } else {
      if (length > 0 && breaks > 0) {
        out[length++] = 0x0a;
        if (breaks > 1) out[length++] = 0x0a;
      } else if (length > 0 && space) {
        out[length++] = 0x20;
      }
      breaks = 0;
      space = false;
      out[length++] = code;
    }
  }
  return UTF16.decode(out.subarray(0, length));
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isNameChar(code: number): boolean {
  return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39) || code === 0x2d;
}

/** Decodes HTML character references (`&amp;`, `&#8212;`, `&eacute;`, …), with the full HTML table. */
export function decodeEntities(text: string): string {
  return decodeHTML(text);
}

function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ');
}
