import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { headTail } from '../core/index.js';
import { atomicWrite } from './atomic-write.js';
import { STATE_DIR } from './blob-store.js';

export const DEFAULT_TOOL_PREVIEW_CHARS = 16_000;

/**
 * Large tool outputs are kept whole on the workspace; the model sees the head and tail plus
 * where to read the rest. Keeps prompts and history bounded whatever a tool prints.
 */
export async function capToolOutput(
  workspace: string,
  key: { turnId: string; callId: string },
  result: string,
  maxChars = DEFAULT_TOOL_PREVIEW_CHARS,
): Promise<string> {
  if (result.length <= maxChars) return result;
  const name = createHash('sha256').update(`${key.turnId}\n${key.callId}`).digest('hex').slice(0, 24);
  const relative = `${STATE_DIR}/tool-outputs/${name}.txt`;
  await atomicWrite(join(workspace, relative), result);
  return (
    `${headTail(result, maxChars)}\n\n[Output was ${result.length} characters; the full text is saved at ` +
    `${relative} — read it with read_file using offset/limit.]`
  );
}
