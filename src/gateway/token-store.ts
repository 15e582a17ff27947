import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { atomicWrite } from '../storage/atomic-write.js';

/**
 * The gateway's bearer tokens, stored only as SHA-256 hashes in one JSON file (default
 * `<state root>/gateway/tokens.json`, or `gateway.tokensFile`). A token is printed once, when
 * it is created; whoever reads the file learns names and scopes, never a usable token.
 * Tokens are 32 random bytes, so a plain hash (no salt, no slow KDF) is as strong as the token.
 */

export const TOKEN_PREFIX = 'exo_gw_';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const StoredTokenSchema = z.object({
  name: z.string().regex(NAME),
  /** hex SHA-256 of the whole token */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** the token may only reach sessions whose id starts with this */
  sessions: z.string().min(1).optional(),
  createdAt: z.string(),
});
export type StoredToken = z.output<typeof StoredTokenSchema>;

const TokenFileSchema = z.object({ version: z.literal(1), tokens: z.array(StoredTokenSchema) });

/** Who a request is, once its token matched. */
export interface TokenIdentity {
  name: string;
  /** session-id prefix the token is limited to; undefined = every session */
  sessions?: string;
}

export class TokenStoreError extends Error {
  override readonly name = 'TokenStoreError';
}

export function defaultTokensFile(stateDir: string): string {
  return join(stateDir, 'gateway', 'tokens.json');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export class TokenStore {
  private cached: { mtimeMs: number; size: number; tokens: StoredToken[] } | undefined;
  private checkedAt = 0;

  constructor(
    readonly path: string,
    /** how long the gateway trusts its copy before looking at the file again (tokens created meanwhile) */
    private readonly recheckMs = 1000,
  ) {}

  /** Every stored token (names, scopes, hashes); [] when the file does not exist yet. */
  async list(): Promise<StoredToken[]> {
    const now = Date.now();
    if (this.cached && now - this.checkedAt < this.recheckMs) return this.cached.tokens;
    this.checkedAt = now;
    let info;
    try {
      info = await stat(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.cached = { mtimeMs: 0, size: 0, tokens: [] };
      return [];
    }
    if (this.cached && this.cached.mtimeMs === info.mtimeMs && this.cached.size === info.size) return this.cached.tokens;
    const tokens = parseTokenFile(await readFile(this.path, 'utf8'), this.path);
    this.cached = { mtimeMs: info.mtimeMs, size: info.size, tokens };
    return tokens;
  }

  /**
   * The identity of a presented token, or undefined. Every stored hash is compared, in constant
   * time, whatever matched earlier: the time taken says nothing about which token came close.
   */
  async verify(presented: string): Promise<TokenIdentity | undefined> {
    const digest = hashToken(presented);
    let found: StoredToken | undefined;
    for (const token of await this.list()) {
      if (timingSafeEqual(digest, Buffer.from(token.hash, 'hex')) && !found) found = token;
    }
    if (!found) return undefined;
    return found.sessions === undefined ? { name: found.name } : { name: found.name, sessions: found.sessions };
  }

  /** Makes a token, stores its hash, returns the token (the only time it exists in clear). */
  async create(name: string, opts: { sessions?: string; replace?: boolean } = {}): Promise<{ token: string; stored: StoredToken }> {
    if (!NAME.test(name)) {
      throw new TokenStoreError(`token name "${name}" must be 1-64 letters, digits, ".", "_" or "-" (starting with a letter or digit).`);
    }
    this.cached = undefined;
    const tokens = await this.list();
    if (tokens.some((t) => t.name === name) && !opts.replace) {
      throw new TokenStoreError(`a token named "${name}" exists already; revoke it first (gateway token revoke --name ${name}) or pick another name.`);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const stored: StoredToken = { name, hash: hashToken(token).toString('hex'), createdAt: new Date().toISOString() };
    if (opts.sessions !== undefined) stored.sessions = opts.sessions;
    await this.write([...tokens.filter((t) => t.name !== name), stored]);
    return { token, stored };
  }

  /** Removes a token by name; false when there was none. */
  async revoke(name: string): Promise<boolean> {
    this.cached = undefined;
    const tokens = await this.list();
    const kept = tokens.filter((t) => t.name !== name);
    if (kept.length === tokens.length) return false;
    await this.write(kept);
    return true;
  }

  private async write(tokens: StoredToken[]): Promise<void> {
    await atomicWrite(this.path, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { sync: true });
    await chmod(this.path, 0o600);
    this.cached = undefined;
  }
}

function parseTokenFile(text: string, path: string): StoredToken[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TokenStoreError(`${path} is not valid JSON (${(error as Error).message}); fix or remove it and create tokens again.`);
  }
  const parsed = TokenFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TokenStoreError(`${path}: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}; fix or remove it and create tokens again.`);
  }
  return parsed.data.tokens;
}

/** Whether a token's scope admits a session id. */
export function inScope(identity: TokenIdentity, sessionId: string): boolean {
  return identity.sessions === undefined || sessionId.startsWith(identity.sessions);
}
