import { z } from 'zod';
import { toolError, toolOutput, type ToolContext } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { looksBinary } from './binary-detect.js';
import { fsError } from './fs-error.js';
import { readLineWindow } from './line-window.js';
import { openToolOutput, toolOutputId, TOOL_OUTPUT_PREFIX } from '../storage/tool-output.js';
import { openWorkspaceFile } from '../workspace/workspace-io.js';

export interface ReadFileToolOptions {
  workspace: string;
  /** The runtime's state root: where this session's kept tool outputs (`tool-output:<id>`) are read. */
  stateDir?: string;
  /** Most bytes of file content returned by one call (default 128 KB). */
  maxBytesPerCall?: number;
}

export const DEFAULT_READ_MAX_BYTES = 128 * 1024;

const ReadFileArgs = z.object({
  path: z.string().min(1).describe('File path relative to the workspace root'),
  offset: z.number().int().min(1).optional().describe('First line to return, 1-based (default 1)'),
  limit: z.number().int().min(1).optional().describe('How many lines to return (default: as many as fit the size cap)'),
});

/** `read_file`: a window of lines from a text file in the workspace. */
export function createReadFileTool(opts: ReadFileToolOptions) {
  const maxBytes = opts.maxBytesPerCall ?? DEFAULT_READ_MAX_BYTES;
  const capLabel = formatKb(maxBytes);
  return defineTool({
    name: 'read_file',
    bounded: true, // a local file operation: may run as a local activity
    description:
      `Read a text file in the workspace. Returns lines with a "[lines a-b of N]" header; at most ${capLabel} per call, ` +
      'so page through large files with offset and limit.',
    args: ReadFileArgs,
    async execute(args, ctx: ToolContext) {
      const { path, offset = 1, limit } = args;
      let opened;
      if (path.startsWith(TOOL_OUTPUT_PREFIX)) {
        const id = toolOutputId(path);
        const kept = id && opts.stateDir ? await openToolOutput(opts.stateDir, ctx.sessionId, id) : undefined;
        if (!kept) return toolError(`Error: there is no kept tool output "${path}" in this conversation`);
        opened = { ...kept, path: { display: path } };
      } else {
        try {
          opened = await openWorkspaceFile(opts.workspace, path);
        } catch (error) {
          return fsError(error, `read ${path}`);
        }
      }
      const { handle, stat, path: where } = opened;
      try {
        if (stat.size === 0) return toolOutput(`[${where.display} is empty]`);
        const sample = Buffer.alloc(Math.min(8192, stat.size));
        const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
        if (looksBinary(sample.subarray(0, bytesRead))) {
          return toolError(`Error: ${where.display} looks like a binary file (${stat.size} bytes); read_file only returns text`);
        }
        const window = await readLineWindow(handle, { offset, limit, maxBytes });
        if (offset > window.totalLines) {
          return toolError(`Error: offset ${offset} is past the end of ${where.display}, which has ${window.totalLines} lines`);
        }
        const header = `[lines ${window.first}-${window.last} of ${window.totalLines}]`;
        const notes: string[] = [];
        if (window.lineCut) {
          notes.push(`[line ${window.first} is longer than ${capLabel} and was cut; this file is not line-oriented]`);
        }
        if (window.last < window.totalLines) {
          const why = window.byteCapped ? `stopped at the ${capLabel} per-call limit; ` : '';
          notes.push(
            `[${why}${window.totalLines - window.last} more lines: continue with offset=${window.last + 1}]`,
          );
        }
        return toolOutput([header, window.text, ...notes].join('\n'));
      } catch (error) {
        return fsError(error, `read ${where.display}`);
      } finally {
        await handle.close();
      }
    },
  });
}

function formatKb(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${bytes} bytes`;
}
