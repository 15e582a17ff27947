import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { headTail } from '../core/index.js';
import { atomicWrite } from './atomic-write.js';

export const DEFAULT_TOOL_PREVIEW_CHARS = 16_000;

/** How the model names a kept tool output to `read_file`: `tool-output:<id>`. */
export const TOOL_OUTPUT_PREFIX = 'tool-output:';
const TOOL_OUTPUT_ID = /^[0-9a-f]{24}$/;

/** The id in a `tool-output:<id>` path, if the path is one (and well formed). */
export function toolOutputId(path: string): string | undefined {
  if (!path.startsWith(TOOL_OUTPUT_PREFIX)) return undefined;
  const id = path.slice(TOOL_OUTPUT_PREFIX.length);
  return TOOL_OUTPUT_ID.test(id) ? id : undefined;
}

/** Where a kept output lives: in the state root, under its session, so no session reads another's. */
export function toolOutputPath(stateDir: string, sessionId: string, id: string): string {
  const session = createHash('sha256').update(sessionId).digest('hex').slice(0, 32);
  return join(stateDir, 'tool-outputs', session, `${id}.txt`);
}

/**
 * Large tool outputs are kept whole in the state root; the model sees the head and tail plus how
 * to read the rest (read_file on `tool-output:<id>`). Keeps prompts and history bounded whatever
 * a tool prints, without putting runtime files where the agent's tools can write.
 */
export async function capToolOutput(
  stateDir: string,
  key: { sessionId: string; turnId: string; callId: string },
  result: string,
  maxChars = DEFAULT_TOOL_PREVIEW_CHARS,
): Promise<string> {
  if (result.length <= maxChars) return result;
  const id = createHash('sha256').update(`${key.turnId}\n${key.callId}`).digest('hex').slice(0, 24);
  await atomicWrite(toolOutputPath(stateDir, key.sessionId, id), result);
  return (
    `${headTail(result, maxChars)}\n\n[Output was ${result.length} characters; the full text is kept as ` +
    `${TOOL_OUTPUT_PREFIX}${id} — read it with read_file (path "${TOOL_OUTPUT_PREFIX}${id}") using offset/limit.]`
  );
}

/** Opens a kept output of this session for reading (a plain file, never through a link); undefined if there is none. */
export async function openToolOutput(
  stateDir: string,
  sessionId: string,
  id: string,
): Promise<{ handle: FileHandle; stat: Stats } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(toolOutputPath(stateDir, sessionId, id), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    return undefined;
  }
  return { handle, stat };
}
