/**
 * A small HTML-to-readable-text converter for web_fetch: drops scripts, styles and other
 * non-content, keeps headings (as `#` lines), links (as `[text](url)`), list items, paragraph and
 * line breaks, and decodes entities. Not a full HTML parser; good enough for reading a page.
 */

export interface HtmlText {
  title: string;
  text: string;
}

const DROPPED_ELEMENTS = ['script', 'style', 'noscript', 'template', 'svg', 'iframe', 'object', 'canvas', 'head', 'select'];

const BLOCK_TAGS = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'footer', 'nav', 'aside', 'form', 'fieldset',
  'table', 'thead', 'tbody', 'tfoot', 'ul', 'ol', 'dl', 'blockquote', 'figure', 'figcaption',
  'address', 'details', 'summary', 'hr', 'body', 'html',
]);
const LINE_TAGS = new Set(['br', 'tr', 'dt', 'dd', 'li', 'option']);

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ',
  copy: '©', reg: '®', trade: '™', hellip: '…', mdash: '—', ndash: '–', minus: '−',
  lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„', laquo: '«', raquo: '»',
  bull: '•', middot: '·', deg: '°', plusmn: '±', times: '×', divide: '÷', micro: 'µ', para: '¶',
  sect: '§', euro: '€', pound: '£', yen: '¥', cent: '¢', frac12: '½', frac14: '¼', frac34: '¾',
  larr: '←', rarr: '→', uarr: '↑', darr: '↓', harr: '↔', shy: '', zwj: '', zwnj: '',
  auml: 'ä', ouml: 'ö', uuml: 'ü', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', szlig: 'ß',
  eacute: 'é', egrave: 'è', ecirc: 'ê', aacute: 'á', agrave: 'à', acirc: 'â', ccedil: 'ç',
  iacute: 'í', oacute: 'ó', uacute: 'ú', ntilde: 'ñ', Eacute: 'É', oslash: 'ø', aring: 'å',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g, (match, body: string) => {
    if (body.startsWith('#')) {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[body] ?? match;
  });
}

export function htmlToText(html: string, baseUrl?: string): HtmlText {
  const titleMatch = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i.exec(html);
  const title = titleMatch ? collapse(decodeEntities(stripTags(titleMatch[1] ?? ''))).trim() : '';

  let body = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  for (const tag of DROPPED_ELEMENTS) {
    body = body.replace(new RegExp(`<${tag}\\b[\\s\\S]*?<\\/${tag}\\s*>`, 'gi'), ' ');
  }

  const out: string[] = [];
  let pre = 0;
  let link: { href: string; start: number } | undefined;
  const token = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>|<![^>]*>|<\?[^>]*>|([^<]+)|</g;
  for (let m = token.exec(body); m !== null; m = token.exec(body)) {
    const [, closing, rawName, attrs, text] = m;
    if (text !== undefined || m[0] === '<') {
      const decoded = decodeEntities(text ?? '<');
      out.push(pre > 0 ? decoded : collapse(decoded));
      continue;
    }
    if (rawName === undefined) continue; // doctype, processing instruction
    const name = rawName.toLowerCase();
    const isClose = closing === '/';
    if (/^h[1-6]$/.test(name)) {
      out.push(isClose ? '\n\n' : `\n\n${'#'.repeat(Number(name[1]))} `);
    } else if (name === 'pre') {
      pre += isClose ? -1 : 1;
      if (pre < 0) pre = 0;
      out.push('\n\n');
    } else if (name === 'li') {
      if (!isClose) out.push('\n- ');
    } else if (name === 'a') {
      if (!isClose) {
        const href = attribute(attrs ?? '', 'href');
        link = href ? { href, start: out.length } : undefined;
      } else if (link) {
        const inner = collapse(out.splice(link.start).join('')).trim();
        const target = absolutise(link.href, baseUrl);
        if (target && inner && target !== inner) out.push(`[${inner}](${target})`);
        else out.push(inner || target || '');
        link = undefined;
      }
    } else if (name === 'img' && !isClose) {
      const alt = attribute(attrs ?? '', 'alt');
      if (alt) out.push(`[image: ${collapse(alt).trim()}]`);
    } else if (name === 'td' || name === 'th') {
      if (isClose) out.push(' | ');
    } else if (LINE_TAGS.has(name)) {
      if (!isClose) out.push('\n');
    } else if (BLOCK_TAGS.has(name)) {
      out.push('\n\n');
    }
  }
  return { title, text: tidy(out.join('')) };
}

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  const value = m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  return value === undefined ? undefined : decodeEntities(value).trim();
}

function absolutise(href: string, baseUrl: string | undefined): string | undefined {
  if (/^(javascript|data|vbscript):/i.test(href) || href.startsWith('#')) return undefined;
  try {
    return baseUrl ? new URL(href, baseUrl).href : href;
  } catch {
    return href;
  }
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '');
}

function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ');
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/, '').replace(/^ (?=\S)/, ''))
    .join('\n')
    .replace(/ *\| *$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
