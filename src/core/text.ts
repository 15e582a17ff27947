/** Removes `<think>…</think>` blocks some models put in their answers (and an unclosed one at the end). */
export function stripThink(text: string | null | undefined): string {
  if (!text) return '';
  return text
    .replace(/<think>[\s\S]*?<\/think>/g, '')
    .replace(/<think>[\s\S]*$/, '')
    .trim();
}

/** Keeps the head and tail of a long text, saying how much was cut from the middle. */
export function headTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = Math.ceil(maxChars * 0.6);
  const tail = maxChars - head;
  const cut = text.length - head - tail;
  return `${text.slice(0, head)}\n\n... [${cut} characters omitted] ...\n\n${text.slice(text.length - tail)}`;
}

/** The first line of a value, shortened, for progress lines. */
export function oneLine(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The first non-blank line of a text, trimmed and capped with "…" (a longer text gets "…" too). */
export function firstLine(text: string, max = 80): string {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => line.trim() !== '');
  if (index < 0) return '';
  const line = lines[index]!.replace(/\s+/g, ' ').trim();
  const more = lines.slice(index + 1).some((rest) => rest.trim() !== '');
  if (line.length > max) return `${line.slice(0, max - 1)}…`;
  return more ? `${line}…` : line;
}
