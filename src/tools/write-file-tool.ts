import { z } from 'zod';
import { toolError, toolOutput, type ToolContext } from '../core/tool.js';
import { defineTool } from './define-tool.js';
import { fsError } from './fs-error.js';
import { writeWorkspaceFile } from '../workspace/workspace-io.js';

export interface WriteFileToolOptions {
  workspace: string;
  /** Largest content accepted, in bytes (default 10 MB). */
  maxBytes?: number;
}

const DEFAULT_WRITE_MAX_BYTES = 10 * 1024 * 1024;

const WriteFileArgs = z.object({
  path: z.string().min(1).describe('File path relative to the workspace root; missing folders are created'),
  content: z.string().describe('The complete new content of the file'),
});

/** `write_file`: create or replace a whole file in the workspace, atomically. */
export function createWriteFileTool(opts: WriteFileToolOptions) {
  const maxBytes = opts.maxBytes ?? DEFAULT_WRITE_MAX_BYTES;
  return defineTool({
    name: 'write_file',
    bounded: true, // a local file operation: may run as a local activity
    description:
      'Create or overwrite a text file in the workspace with the given content (parent folders are created). ' +
      'For small changes to an existing file prefer edit_file.',
    args: WriteFileArgs,
    async execute(args, _ctx: ToolContext) {
      const { path, content } = args;
      const size = Buffer.byteLength(content);
      if (size > maxBytes) {
        return toolError(`Error: content is ${size} bytes, more than the ${maxBytes}-byte limit for write_file; split it into several files`);
      }
      try {
        const outcome = await writeWorkspaceFile(opts.workspace, path, content);
        const verb = outcome.created ? 'Created' : 'Wrote';
        return toolOutput(`${verb} ${outcome.path.display} (${outcome.bytes} bytes)`);
      } catch (error) {
        return fsError(error, `write ${path}`);
      }
    },
  });
}
