import { open, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import type { ContentPart, ImagePart } from '../core/messages.js';

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
  let root: string;
  try {
    root = await realpath(workspace);
  } catch {
    root = resolve(workspace);
  }
  for (const given of paths) {
    const candidate = isAbsolute(given) ? given : resolve(workspace, given);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      result.notes.push(`[Attachment not found: ${given}]`);
      continue;
    }
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      result.notes.push(`[Attachment outside the workspace, not included: ${basename(given)}]`);
      continue;
    }
    const info = await stat(real);
    if (!info.isFile()) {
      result.notes.push(`[Attachment is not a file: ${rel}]`);
      continue;
    }
    const mediaType = await sniffImageType(real);
    if (!mediaType) {
      result.notes.push(`[Attached file: ${rel} (${info.size} bytes)]`);
      continue;
    }
    if (info.size > maxImageBytes) {
      result.notes.push(`[Attached image too large to show (${info.size} bytes, limit ${maxImageBytes}): ${rel}]`);
      continue;
    }
    const handle = await open(real, 'r');
    try {
      const data = await handle.readFile();
      result.images.push({ type: 'image', mediaType, data: data.toString('base64') });
    } finally {
      await handle.close();
    }
  }
  return result;
}

/** Image type from the first bytes (names lie). */
async function sniffImageType(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  const head = Buffer.alloc(12);
  try {
    await handle.read(head, 0, 12, 0);
  } finally {
    await handle.close();
  }
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
