import { toolError, type ToolResult } from '../core/tool.js';
import { WorkspacePathError } from '../workspace/workspace-path.js';

/** `fsErrorText` as a tool's error result. */
export function fsError(error: unknown, action: string): ToolResult {
  return toolError(fsErrorText(error, action));
}

/**
 * Turns the failures a model can cause or fix (a refused path, a missing file, a full disk) into
 * an `Error: …` text; anything else is a bug and is rethrown.
 */
export function fsErrorText(error: unknown, action: string): string {
  if (error instanceof WorkspacePathError) return `Error: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return `Error: cannot ${action}: no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `Error: cannot ${action}: permission denied`;
    case 'EISDIR':
      return `Error: cannot ${action}: it is a directory`;
    case 'ENOTDIR':
      return `Error: cannot ${action}: a parent is not a directory`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `Error: cannot ${action}: no space left on the device`;
    case 'EROFS':
      return `Error: cannot ${action}: the filesystem is read-only`;
    case 'ENAMETOOLONG':
      return `Error: cannot ${action}: the name is too long`;
    case 'EMFILE':
    case 'ENFILE':
      return `Error: cannot ${action}: too many open files; try again`;
    default:
      throw error;
  }
}
