import type { FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ContentPart, ImagePart } from '../core/messages.js';
import { openWorkspaceFile } from '../workspace/workspace-io.js';
import { WorkspacePathError } from '../workspace/workspace-path.js';

/**
 * Attachments on the user message. Images inside the workspace become base64 image parts
 * (up to a size cap); everything else is mentioned as text so the model knows it exists and
 * can read it with its file tools.
 */

export const DEFAULT_MAX_IMAGE_BYTES = 4 * 1024 * 1024;

export interface MediaResult {
  images: ImagePart[];
  /** One line per attachment that is not an inline image. */
  notes: string[];
}

export async function loadMedia(workspace: string, paths: readonly string[], maxImageBytes = DEFAULT_MAX_IMAGE_BYTES): Promise<MediaResult> {
  const result: MediaResult = { images: [], notes: [] };
  for (const given of paths) {
    let opened;
    try {
      // The same confinement as the file tools: inside the workspace, a regular file, never blocking.
      opened = await openWorkspaceFile(workspace, given);
    } catch (error) {
      const outside = error instanceof WorkspacePathError && /outside the workspace/.test(error.message);
      result.notes.push(outside ? `[Attachment outside the workspace, not included: ${basename(given)}]` : `[Attachment not found: ${given}]`);
      continue;
    }
    const { handle, stat: info, path } = opened;
    try {
      const mediaType = await sniffImageType(handle);
      if (!mediaType) {
        result.notes.push(`[Attached file: ${path.display} (${info.size} bytes)]`);
      } else if (info.size > maxImageBytes) {
        result.notes.push(`[Attached image too large to show (${info.size} bytes, limit ${maxImageBytes}): ${path.display}]`);
      } else {
        const data = Buffer.alloc(info.size);
        const { bytesRead } = await handle.read(data, 0, info.size, 0);
        result.images.push({ type: 'image', mediaType, data: data.subarray(0, bytesRead).toString('base64') });
      }
    } finally {
      await handle.close();
    }
  }
  return result;
}

/** Image type from the first bytes (names lie). */
async function sniffImageType(handle: FileHandle): Promise<string | undefined> {
  const head = Buffer.alloc(12);
  await handle.read(head, 0, 12, 0);
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

export function userContent(text: string, media: MediaResult): string | ContentPart[] {
  const withNotes = media.notes.length > 0 ? `${text}\n\n${media.notes.join('\n')}` : text;
  if (media.images.length === 0) return withNotes;
  return [{ type: 'text', text: withNotes }, ...media.images];
}
