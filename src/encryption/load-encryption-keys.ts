import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { expandHome } from '../config.js';
import {
  describeId,
  EncryptionConfigError,
  EncryptionKeyRing,
  KEY_BYTES,
  KEY_ID_PATTERN,
  KEY_ID_RULE,
  KEY_LENGTH_RULE,
} from './encryption-key-ring.js';

/** Inline keys: `id1:base64key,id2:base64key`. Read from the environment only, never from the config file. */
export const KEYS_ENV = 'EXOCLAW_ENCRYPTION_KEYS';
/** Env names of the config settings, for error messages (the config loader maps them). */
export const KEYS_FILE_ENV = 'EXOCLAW_ENCRYPTION_KEYS_FILE';
export const ACTIVE_KEY_ENV = 'EXOCLAW_ENCRYPTION_ACTIVE_KEY';

/** `security.encryption` in the config (the key bytes never are). */
export interface EncryptionSettings {
  /** A JSON keys file, e.g. a mounted Kubernetes Secret. */
  keysFile?: string;
  /** Which key encrypts; default: the file's `activeKey`, else the only key. */
  activeKey?: string;
}

export interface LoadEncryptionKeysOptions {
  /** Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Where a relative keys file is resolved (default `process.cwd()`). */
  cwd?: string;
}

// The keys file: { "activeKey": "2026-05", "keys": { "2026-01": "<base64>", "2026-05": "<base64>" } }
const KeysFileSchema = z.strictObject({
  activeKey: z.string().min(1).optional(),
  keys: z.record(z.string(), z.string()),
});

/**
 * The deployment's encryption keys from `EXOCLAW_ENCRYPTION_KEYS` or a keys file, or undefined
 * when neither is set (encryption off). Throws EncryptionConfigError listing every problem;
 * messages name key ids and sources, never key bytes.
 */
export function loadEncryptionKeys(
  settings: EncryptionSettings = {},
  opts: LoadEncryptionKeysOptions = {},
): EncryptionKeyRing | undefined {
  const env = opts.env ?? process.env;
  const inline = nonEmpty(env[KEYS_ENV]);
  const file = nonEmpty(settings.keysFile);
  if (inline === undefined && file === undefined) {
    if (nonEmpty(settings.activeKey) !== undefined) {
      throw new EncryptionConfigError([
        `an active key is set (${ACTIVE_KEY_ENV} / security.encryption.activeKey) but no keys are: ` +
          `set ${KEYS_ENV} or ${KEYS_FILE_ENV} (security.encryption.keysFile)`,
      ]);
    }
    return undefined;
  }
  if (inline !== undefined && file !== undefined) {
    throw new EncryptionConfigError([
      `both ${KEYS_ENV} and a keys file (${KEYS_FILE_ENV} / security.encryption.keysFile) are set: use one of them`,
    ]);
  }
  const issues: string[] = [];
  const parsed =
    inline !== undefined
      ? { source: KEYS_ENV, ...parseInlineKeys(inline, issues) }
      : readKeysFile(resolve(opts.cwd ?? process.cwd(), expandHome(file!, nonEmpty(env.HOME) ?? homedir())), issues);
  if (issues.length > 0) throw new EncryptionConfigError(issues);

  const ids = [...parsed.keys.keys()];
  const active = nonEmpty(settings.activeKey) ?? parsed.activeKey ?? (ids.length === 1 ? ids[0] : undefined);
  if (active === undefined) {
    throw new EncryptionConfigError([
      `${parsed.source} lists ${ids.length} keys (${ids.map((id) => `"${id}"`).join(', ')}); say which one encrypts with ` +
        `${ACTIVE_KEY_ENV}${parsed.source === KEYS_ENV ? '' : ' or "activeKey" in the file'}`,
    ]);
  }
  return new EncryptionKeyRing(parsed.keys, active);
}

interface ParsedKeys {
  source: string;
  keys: Map<string, Uint8Array>;
  activeKey?: string;
}

function parseInlineKeys(text: string, issues: string[]): { keys: Map<string, Uint8Array> } {
  const keys = new Map<string, Uint8Array>();
  const entries = text.split(/[,\s]+/).filter((entry) => entry !== '');
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    if (colon <= 0) {
      issues.push(`${KEYS_ENV}: entry ${index + 1} is not "<key id>:<base64 key>"`);
      return;
    }
    addKey(keys, entry.slice(0, colon), entry.slice(colon + 1), KEYS_ENV, issues);
  });
  if (entries.length === 0) issues.push(`${KEYS_ENV} lists no keys; use "<key id>:<base64 key>", comma-separated`);
  return { keys };
}

function readKeysFile(path: string, issues: string[]): ParsedKeys {
  const source = `the keys file ${path}`;
  const keys = new Map<string, Uint8Array>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    issues.push(`cannot read ${source} (${code}); check ${KEYS_FILE_ENV} / security.encryption.keysFile and the mount`);
    return { source, keys };
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // The parser's message quotes the text around the error, which may be key material.
    issues.push(`${source} is not valid JSON; expected {"activeKey": "<id>", "keys": {"<id>": "<base64 key>"}}`);
    return { source, keys };
  }
  const parsed = KeysFileSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'the top level';
      // Name the place, not the value: a key id may be a misplaced key.
      const at = issue.path[0] === 'keys' && issue.path.length > 1 ? `keys.${describeId(String(issue.path[1]))}` : where;
      issues.push(`${source}, ${at}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}; expected {"activeKey": "<id>", "keys": {"<id>": "<base64 key>"}}`);
    }
    return { source, keys };
  }
  for (const [id, value] of Object.entries(parsed.data.keys)) addKey(keys, id, value, source, issues);
  if (keys.size === 0 && issues.length === 0) issues.push(`${source} has no keys`);
  return { source, keys, activeKey: parsed.data.activeKey };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function addKey(keys: Map<string, Uint8Array>, id: string, encoded: string, source: string, issues: string[]): void {
  if (!KEY_ID_PATTERN.test(id)) {
    issues.push(`${source}: ${describeId(id)}: ${KEY_ID_RULE}`);
    return;
  }
  if (keys.has(id)) {
    issues.push(`${source}: key "${id}" is listed twice`);
    return;
  }
  const text = encoded.trim();
  if (!BASE64.test(text)) {
    issues.push(`${source}: ${describeId(id)} is not base64; ${KEY_LENGTH_RULE}`);
    return;
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) {
    issues.push(`${source}: ${describeId(id)} is ${bytes.length} bytes; ${KEY_LENGTH_RULE}`);
    return;
  }
  keys.set(id, bytes);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
