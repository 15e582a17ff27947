import type { ToolCall } from '../core/messages.js';
import { oneLine } from '../core/text.js';

export interface ParsedToolArguments {
  arguments: Record<string, unknown>;
  /** set when the arguments could not be parsed or repaired; readable by the model */
  error?: string;
  /** the raw text was not valid JSON but a repair made it so */
  repaired: boolean;
}

/**
 * Parses a model's tool-call arguments. Models (and OpenAI-compatible servers) send broken
 * JSON often enough that a strict `JSON.parse` would waste whole turns, so common breakage is
 * repaired: code fences, trailing commas, single quotes, unquoted keys, Python literals, raw
 * newlines inside strings, missing closing brackets. Never throws.
 */
export function parseToolArguments(raw: unknown): ParsedToolArguments {
  if (raw === undefined || raw === null) return { arguments: {}, repaired: false };
  if (typeof raw === 'object') {
    if (Array.isArray(raw)) return failure('the arguments were a JSON array; send a JSON object instead', raw);
    return { arguments: raw as Record<string, unknown>, repaired: false };
  }
  if (typeof raw !== 'string') return failure(`the arguments were a ${typeof raw}; send a JSON object instead`, raw);
  const text = raw.trim();
  if (text === '') return { arguments: {}, repaired: false };

  const strict = tryParse(text);
  if (strict.ok) return asObject(strict.value, raw, false);

  const repairedText = repairJson(text);
  if ('error' in repairedText) return failure(repairedText.error, raw);
  const repaired = tryParse(repairedText.json);
  if (repaired.ok) return asObject(repaired.value, raw, true);
  return failure(`the arguments are not valid JSON (${strict.error})`, raw);
}

/** A ToolCall from raw provider data; unparseable arguments become `argumentsError`. */
export function toolCallFrom(id: string, name: string, rawArguments: unknown): ToolCall {
  const parsed = parseToolArguments(rawArguments);
  const call: ToolCall = { id, name, arguments: parsed.arguments };
  if (parsed.error !== undefined) call.argumentsError = parsed.error;
  return call;
}

function asObject(value: unknown, raw: unknown, repaired: boolean): ParsedToolArguments {
  // Some models double-encode: the arguments are a JSON string holding JSON.
  if (typeof value === 'string') {
    const inner = parseToolArguments(value);
    return inner.error === undefined ? { ...inner, repaired: true } : inner;
  }
  if (value === null) return { arguments: {}, repaired };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return failure(`the arguments were ${Array.isArray(value) ? 'a JSON array' : `the JSON ${typeof value} ${JSON.stringify(value)}`}; send a JSON object instead`, raw);
  }
  return { arguments: value as Record<string, unknown>, repaired };
}

function failure(reason: string, raw: unknown): ParsedToolArguments {
  const shown = typeof raw === 'string' ? raw : JSON.stringify(raw);
  return {
    arguments: {},
    repaired: false,
    error: `${reason}. Received: ${oneLine(shown ?? String(raw), 160)}. Call the tool again with a single JSON object matching its parameters.`,
  };
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const LITERALS: Record<string, string> = {
  true: 'true',
  false: 'false',
  null: 'null',
  True: 'true',
  False: 'false',
  None: 'null',
  undefined: 'null',
};

/**
 * Rewrites JSON-ish text into JSON in one pass over the characters. Refuses (returns an error)
 * when the text was cut off inside a string or after a key: guessing there could, say, write a
 * half file, so the model is asked to resend instead.
 */
export function repairJson(input: string): { json: string } | { error: string } {
  const text = extractObjectText(stripCodeFence(input));
  let out = '';
  const stack: string[] = [];
  let i = 0;

  const dropTrailingComma = (): void => {
    out = out.replace(/,\s*$/, '');
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      const str = readString(text, i);
      if (str.unterminated) {
        return { error: 'the arguments were cut off inside a string (the response probably hit the token limit); send shorter arguments' };
      }
      out += str.json;
      i = str.end;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? text.length : close + 2;
      continue;
    }
    if (ch === '{' || ch === '[') {
      stack.push(ch === '{' ? '}' : ']');
      out += ch;
      i++;
      continue;
    }
    if (ch === '}' || ch === ']') {
      dropTrailingComma();
      if (stack.length > 0 && stack[stack.length - 1] === ch) stack.pop();
      out += ch;
      i++;
      continue;
    }
    if (/[-0-9]/.test(ch)) {
      const number = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))?.[0];
      if (number) {
        out += number;
        i += number.length;
        continue;
      }
    }
    if (/[A-Za-z_$]/.test(ch)) {
      let end = i;
      while (end < text.length && /[\w$]/.test(text[end] as string)) end++;
      const word = text.slice(i, end);
      const literal = LITERALS[word];
      const isKey = /^\s*:/.test(text.slice(end));
      if (isKey) out += JSON.stringify(word);
      else if (literal !== undefined) out += literal;
      else out += JSON.stringify(word); // a bare word used as a value: treat it as a string
      i = end;
      continue;
    }
    out += ch;
    i++;
  }

  const tail = out.trimEnd();
  if (tail.endsWith(':')) {
    return { error: 'the arguments were cut off after a key (the response probably hit the token limit); send them again' };
  }
  dropTrailingComma();
  while (stack.length > 0) out += stack.pop();
  return { json: out };
}

function stripCodeFence(text: string): string {
  const fenced = /^```[\w-]*\s*\n?([\s\S]*?)\n?```\s*$/.exec(text.trim());
  if (fenced?.[1] !== undefined) return fenced[1].trim();
  // An opening fence whose closing fence was cut off.
  return text.trim().replace(/^```[\w-]*\s*\n?/, '');
}

/** Drops prose around the object (`Here are the arguments: {...}`). */
function extractObjectText(text: string): string {
  const start = text.indexOf('{');
  if (start <= 0) return text;
  const end = text.lastIndexOf('}');
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}

/** Reads a '…' or "…" string starting at `start` and returns it as a JSON string literal. */
function readString(text: string, start: number): { json: string; end: number; unterminated: boolean } {
  const quote = text[start];
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) break;
      const escape = decodeEscape(next, text, i);
      value += escape.value;
      i += escape.length;
      continue;
    }
    if (ch === quote) return { json: JSON.stringify(value), end: i + 1, unterminated: false };
    value += ch; // raw newlines/tabs are re-escaped by JSON.stringify
    i++;
  }
  return { json: JSON.stringify(value), end: text.length, unterminated: true };
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

/** The character a backslash escape stands for, and how many characters the escape used. */
function decodeEscape(next: string, text: string, at: number): { value: string; length: number } {
  if (next === 'u') {
    const hex = text.slice(at + 2, at + 6);
    if (/^[0-9a-fA-F]{4}$/.test(hex)) return { value: String.fromCharCode(parseInt(hex, 16)), length: 6 };
  }
  // \" \' \\ \/ and unknown escapes keep the character
  return { value: SIMPLE_ESCAPES[next] ?? next, length: 2 };
}
