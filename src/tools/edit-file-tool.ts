import { z } from 'zod';
import { toolError, toolOutput, type ToolContext } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { looksBinary } from './binary-detect.js';
import { closestLine } from './closest-line.js';
import { fsError } from './fs-error.js';
import { openWorkspaceFile, writeWorkspaceFile } from '../workspace/workspace-io.js';

export interface EditFileToolOptions {
  workspace: string;
  /** Largest file edit_file will load, in bytes (default 10 MB). */
  maxBytes?: number;
}

const DEFAULT_EDIT_MAX_BYTES = 10 * 1024 * 1024;

const EditFileArgs = z.object({
  path: z.string().min(1).describe('File path relative to the workspace root'),
  old_text: z.string().min(1).describe('Exact text to replace; must occur exactly once in the file'),
  new_text: z.string().describe('Text to put in its place'),
});

/** `edit_file`: replace one exact, unique piece of text in a file. On any failure the file is unchanged. */
export function createEditFileTool(opts: EditFileToolOptions) {
  const maxBytes = opts.maxBytes ?? DEFAULT_EDIT_MAX_BYTES;
  return defineTool({
    name: 'edit_file',
    bounded: true, // a local file operation: may run as a local activity
    description:
      'Replace old_text with new_text in a workspace file. old_text must match exactly (including whitespace and ' +
      'indentation) and occur exactly once; include surrounding lines to make it unique.',
    args: EditFileArgs,
    async execute(args, _ctx: ToolContext) {
      const { path, old_text: oldText, new_text: newText } = args;
      if (oldText === newText) return toolError('Error: old_text and new_text are identical; there is nothing to change');

      let opened;
      try {
        opened = await openWorkspaceFile(opts.workspace, path);
      } catch (error) {
        return fsError(error, `edit ${path}`);
      }
      const { handle, stat, path: where } = opened;
      let original: Buffer;
      try {
        if (stat.size > maxBytes) {
          return toolError(`Error: ${where.display} is ${stat.size} bytes, more than edit_file handles (${maxBytes}); use write_file or exec`);
        }
        original = await handle.readFile();
      } catch (error) {
        return fsError(error, `read ${where.display}`);
      } finally {
        await handle.close();
      }
      if (looksBinary(original)) return toolError(`Error: ${where.display} looks like a binary file; edit_file only edits text`);
      const text = original.toString('utf8');

      let find = oldText;
      let replacement = newText;
      let count = countOccurrences(text, find);
      if (count === 0 && text.includes('\r\n') && !oldText.includes('\r\n')) {
        // The file uses CRLF line endings; the model almost always writes LF.
        find = oldText.replace(/\n/g, '\r\n');
        replacement = newText.replace(/\r?\n/g, '\r\n');
        count = countOccurrences(text, find);
      }
      if (count === 0) return toolError(notFoundMessage(where.display, text, oldText));
      if (count > 1) {
        return toolError(
          `Error: old_text appears ${count} times in ${where.display}; it must be unique. ` +
            'Include more surrounding lines in old_text so it matches exactly one place',
        );
      }
      const at = text.indexOf(find);
      const updated = text.slice(0, at) + replacement + text.slice(at + find.length);
      try {
        await writeWorkspaceFile(opts.workspace, where.display, updated, stat);
      } catch (error) {
        return fsError(error, `write ${where.display}`);
      }
      const line = text.slice(0, at).split('\n').length;
      return toolOutput(`Edited ${where.display}: replaced 1 occurrence at line ${line}`);
    },
  });
}

function countOccurrences(text: string, find: string): number {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + find.length)) count += 1;
  return count;
}

function notFoundMessage(display: string, text: string, oldText: string): string {
  const firstLine = oldText.split('\n').find((line) => line.trim() !== '') ?? oldText;
  const closest = closestLine(text, firstLine);
  let message = `Error: old_text was not found in ${display}; the file is unchanged.`;
  if (closest && closest.score >= 0.5) {
    const shown = closest.line.length > 200 ? `${closest.line.slice(0, 200)}…` : closest.line;
    message +=
      ` The closest match for its first line is line ${closest.lineNumber}: ${JSON.stringify(shown)}.` +
      ' Check whitespace, indentation and spelling against it (read_file shows the exact text), then retry';
  } else {
    message += ' Use read_file to see the current content and copy old_text from it exactly';
  }
  return message;
}
