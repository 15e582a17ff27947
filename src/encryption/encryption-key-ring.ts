import { createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

/** AES-256 needs exactly this many key bytes. */
export const KEY_BYTES = 32;
/** Key ids travel in payload metadata and blob headers: short, printable, no separators. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Encryption keys are missing, malformed or inconsistent. `issues` lists each problem; never a key's bytes. */
export class EncryptionConfigError extends Error {
  override readonly name = 'EncryptionConfigError';
  readonly issues: string[];

  constructor(issues: string[]) {
    super(
      `Invalid encryption keys:\n${issues.map((issue) => `  - ${issue}`).join('\n')}\n` +
        'Fix the keys (see docs/security.md, "Payload encryption") and start again.',
    );
    this.issues = issues;
  }
}

/**
 * The keys one deployment shares: the active key encrypts, every listed key decrypts, so a
 * rotation adds the new key, makes it active, and keeps the old one listed while anything it
 * encrypted is still needed. Key bytes sit in KeyObjects and private fields, so neither
 * JSON.stringify, a logger nor util.inspect can print them.
 */
export class EncryptionKeyRing {
  readonly activeKeyId: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;

  /** Throws EncryptionConfigError when an id or a key is malformed or the active id is not listed. */
  constructor(keys: ReadonlyMap<string, Uint8Array>, activeKeyId: string) {
    const issues: string[] = [];
    const objects = new Map<string, KeyObject>();
    for (const [id, bytes] of keys) {
      if (!KEY_ID_PATTERN.test(id)) issues.push(`${describeId(id)}: ${KEY_ID_RULE}`);
      else if (bytes.length !== KEY_BYTES) issues.push(`key "${id}" is ${bytes.length} bytes; ${KEY_LENGTH_RULE}`);
      else objects.set(id, createSecretKey(bytes));
    }
    if (keys.size === 0) issues.push('no keys given');
    else if (!keys.has(activeKeyId)) {
      issues.push(`the active key "${activeKeyId}" is not among the keys (${[...keys.keys()].map((id) => `"${id}"`).join(', ')})`);
    }
    if (issues.length > 0) throw new EncryptionConfigError(issues);
    this.activeKeyId = activeKeyId;
    this.#keys = objects;
  }

  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  get activeKey(): KeyObject {
    return this.#keys.get(this.activeKeyId)!;
  }

  key(id: string): KeyObject | undefined {
    return this.#keys.get(id);
  }

  toJSON(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `EncryptionKeyRing { active: "${this.activeKeyId}", keys: ${this.keyIds.map((id) => `"${id}"`).join(', ')} }`;
  }
}

export const KEY_ID_RULE = 'a key id is 1-64 characters of letters, digits, ".", "_" and "-", starting with a letter or digit';
export const KEY_LENGTH_RULE = 'AES-256 needs 32 random bytes, base64-encoded (make one with `openssl rand -base64 32`)';

/** A key id for an error message: shortened, so a key pasted where its id belongs is never echoed whole. */
export function describeId(id: string): string {
  if (id === '') return 'an empty key id';
  return `key id "${id.length > 12 ? `${id.slice(0, 6)}…` : id}"`;
}
