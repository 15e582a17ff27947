import { createHash } from 'node:crypto';

/**
 * A file name for an arbitrary session id (`cli:main`, `tg/123`, `Ünïcode`…): a readable slug
 * plus a hash of the exact id. The hash makes it collision-free — also on case-insensitive
 * file systems, where `A` and `a` would otherwise meet — and the real id is kept in the
 * session file's header, so nothing needs to be decoded.
 */
export function safeSessionId(sessionId: string): string {
  const slug =
    sessionId
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'session';
  const hash = createHash('sha256').update(sessionId, 'utf8').digest('hex').slice(0, 16);
  return `${slug}-${hash}`;
}
