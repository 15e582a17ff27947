const FENCE = /^\s*(```|~~~)/;

/**
 * Splits a text into parts of at most `limit` characters for a platform's message limit. It cuts
 * at a paragraph break, else a line break, else a space, else anywhere; a cut inside a fenced code
 * block closes the fence at the end of the part and reopens it (with its language) at the start
 * of the next, so every part renders as code where the whole did.
 */
export function splitMessage(text: string, limit: number): string[] {
  if (limit < 32) throw new Error(`splitMessage: limit ${limit} is too small (at least 32)`);
  if (text.length <= limit) return [text];
  const parts: string[] = [];
  let rest = text;
  let reopen = ''; // the fence line to reopen the next part with, when a cut fell inside code
  while (rest.length > 0) {
    const head = reopen ? `${reopen}\n` : '';
    if (head.length + rest.length <= limit) {
      parts.push(head + rest);
      break;
    }
    // Room for the reopened fence before and a closing fence after.
    const room = limit - head.length - 4;
    let cut = bestCut(rest, room);
    let piece = rest.slice(0, cut);
    const open = openFenceAfter(reopen, piece);
    if (!open && piece.length + 4 > room && cut < rest.length) {
      // No fence to close: the reserved room may be used too.
      cut = bestCut(rest, limit - head.length);
      piece = rest.slice(0, cut);
    }
    const stillOpen = openFenceAfter(reopen, piece);
    const body = piece.replace(/\s+$/, '');
    parts.push(head + body + (stillOpen ? `\n${stillOpen.slice(0, 3)}` : ''));
    rest = rest.slice(cut).replace(/^\n+/, '');
    reopen = stillOpen ?? '';
  }
  return parts.filter((part) => part.trim().length > 0);
}

/** Where to cut `text` so the first part has at most `max` characters. */
function bestCut(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const window = text.slice(0, max + 1);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    // A cut in the first third makes needlessly many parts: fall through to a finer separator.
    if (at > max / 3) return at + separator.length;
  }
  return max;
}

/** The fence line that is still open after `piece`, given the one open before it (or ''). */
function openFenceAfter(before: string, piece: string): string | undefined {
  let open: string | undefined = before || undefined;
  for (const line of piece.split('\n')) {
    if (!FENCE.test(line)) continue;
    open = open ? undefined : line.trim();
  }
  return open;
}
