// The worker thread behind html-to-text.ts: converts one page with the `html-to-text` library and
// posts `{ title, text }` back. Parsing hostile markup can take long (deep nesting is quadratic in
// the parser), so it runs here, where it costs only this thread and the caller can terminate it.
// Plain JavaScript on purpose: tsx, vitest and the compiled dist/ can all start it without a
// TypeScript loader (tsconfig.build.json's allowJs copies it next to the compiled caller).
import { parentPort, workerData } from 'node:worker_threads';
import { compile } from 'html-to-text';

/** A link's text is gathered from at most this many nodes and characters (nested links stay linear). */
const LINK_TEXT_NODES = 200;
const LINK_TEXT_CHARS = 300;
/** Deeper elements are cut with an ellipsis (the walk is recursive: this bounds the stack). */
const MAX_DEPTH = 200;
const SKIPPED = ['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'embed', 'canvas', 'select', 'button'];
const LINE_BLOCKS = ['div', 'section', 'article', 'main', 'header', 'footer', 'nav', 'aside', 'form', 'fieldset',
  'figure', 'figcaption', 'address', 'details', 'summary', 'dl', 'dt', 'dd', 'tr', 'caption', 'center'];

/** @typedef {{ type: string, name?: string, data?: string, attribs?: Record<string, string>, children?: Node[] }} Node */
/** @typedef {{ baseUrl: string | undefined, title: string | undefined }} Metadata */

const formatters = {
  /** `# Heading` lines: a word transform puts the marker on the heading's first word. */
  markdownHeading(elem, walk, builder, options) {
    let first = true;
    builder.openBlock({ leadingLineBreaks: 2 });
    builder.pushWordTransform((word) => {
      if (!first) return word;
      first = false;
      return `${'#'.repeat(options.level)} ${word}`;
    });
    walk(elem.children, builder);
    builder.popWordTransform();
    builder.closeBlock({ trailingLineBreaks: 2 });
  },

  /** `[text](absolute url)`; script-ish and in-page links keep only their text. */
  markdownLink(elem, walk, builder) {
    const target = absolutise(elem.attribs?.href, builder.metadata?.baseUrl);
    if (!target) {
      walk(elem.children, builder);
      return;
    }
    const raw = gatherText(elem);
    const text = collapse(raw).trim();
    const link = text === '' || text === target ? target : `[${text}](${target})`;
    // Keep the spacing the anchor had around its text.
    builder.addInline(/^\s/.test(raw) ? ` ${link}` : link, { noWordTransform: true });
    if (/\s$/.test(raw)) builder.addInline(' ');
  },

  image(elem, _walk, builder) {
    const alt = collapse(elem.attribs?.alt ?? '').trim();
    if (alt) builder.addInline(`[image: ${alt}]`, { noWordTransform: true });
  },

  /** Cells separated by ` | `, one row per line. */
  tableRow(elem, walk, builder) {
    builder.openBlock({ leadingLineBreaks: 1 });
    let cells = 0;
    for (const child of elem.children ?? []) {
      if (child.type === 'tag' && (child.name === 'td' || child.name === 'th')) {
        if (cells++ > 0) builder.addInline(' | ');
      }
      walk([child], builder);
    }
    builder.closeBlock({ trailingLineBreaks: 1 });
  },

  /** The first `<title>` becomes the page title, not text. */
  captureTitle(elem, _walk, builder) {
    const meta = builder.metadata;
    if (meta && meta.title === undefined) meta.title = collapse(gatherText(elem)).trim();
  },

  /** Only `<title>` matters in `<head>`. */
  documentHead(elem, _walk, builder) {
    const title = (elem.children ?? []).find((child) => child.type === 'tag' && child.name === 'title');
    if (title) formatters.captureTitle(title, _walk, builder);
  },
};

const convert = compile({
  wordwrap: false,
  // The whole document: <head> is visited for its title, everything else is formatted below.
  baseElements: { selectors: [], returnDomByDefault: true },
  limits: { maxDepth: MAX_DEPTH, ellipsis: '…' },
  formatters,
  selectors: [
    ...SKIPPED.map((selector) => ({ selector, format: 'skip' })),
    ...LINE_BLOCKS.map((selector) => ({ selector, format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } })),
    ...[1, 2, 3, 4, 5, 6].map((level) => ({ selector: `h${level}`, format: 'markdownHeading', options: { level } })),
    { selector: 'head', format: 'documentHead' },
    { selector: 'title', format: 'captureTitle' },
    { selector: 'a', format: 'markdownLink' },
    { selector: 'img', format: 'image' },
    { selector: 'table', format: 'block', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    { selector: 'tr', format: 'tableRow' },
    { selector: 'ul', format: 'unorderedList', options: { itemPrefix: '- ' } },
    { selector: 'hr', format: 'horizontalLine', options: { length: 3 } },
  ],
});

/**
 * The text of an element, from at most LINK_TEXT_NODES nodes (iterative: no recursion limit).
 * @param {Node} root
 */
function gatherText(root) {
  let text = '';
  let visited = 0;
  const stack = [...(root.children ?? [])].reverse();
  while (stack.length > 0 && visited++ < LINK_TEXT_NODES && text.length < LINK_TEXT_CHARS) {
    const node = /** @type {Node} */ (stack.pop());
    if (node.type === 'text') text += node.data ?? '';
    else if (node.type === 'tag' && !SKIPPED.includes(node.name ?? '')) {
      if (node.name === 'img' && node.attribs?.alt) text += ` ${node.attribs.alt} `;
      for (let i = (node.children?.length ?? 0) - 1; i >= 0; i--) stack.push(/** @type {Node} */ (node.children?.[i]));
    }
  }
  return text.length > LINK_TEXT_CHARS ? `${text.slice(0, LINK_TEXT_CHARS)}…` : text;
}

/**
 * @param {string | undefined} href
 * @param {string | undefined} baseUrl
 */
function absolutise(href, baseUrl) {
  const value = href?.trim();
  if (!value || value.startsWith('#') || /^(javascript|data|vbscript):/i.test(value)) return undefined;
  try {
    return baseUrl ? new URL(value, baseUrl).href : value;
  } catch {
    return value;
  }
}

/** @param {string} text */
function collapse(text) {
  return text.replace(/[\s\u00a0]+/g, ' ');
}

/** @type {{ html: string, baseUrl?: string }} */
const { html, baseUrl } = workerData;
/** @type {Metadata} */
const metadata = { baseUrl, title: undefined };
const text = convert(html, metadata);
parentPort?.postMessage({ title: metadata.title ?? '', text: text.replace(/\n{3,}/g, '\n\n').trim() });
