import type { AnyTool } from '../core/tool.js';
import { createEditFileTool } from './edit-file-tool.js';
import { createExecTool, type ExecToolOptions } from './exec-tool.js';
import { createListDirTool } from './list-dir-tool.js';
import { createLoadSkillTool } from './load-skill-tool.js';
import { createMessageTool } from './message-tool.js';
import { createReadFileTool } from './read-file-tool.js';
import { createWebFetchTool, type WebFetchToolOptions } from './web-fetch-tool.js';
import { createWebSearchTool, type WebSearchToolOptions } from './web-search-tool.js';
import { createWriteFileTool } from './write-file-tool.js';

export interface DefaultToolsOptions {
  /** The workspace root every file path and exec working_dir is confined to. */
  workspace: string;
  /** The runtime's state root: read_file reads the session's kept tool outputs (`tool-output:<id>`) there. */
  stateDir?: string;
  /** exec settings; `false` leaves exec out. */
  exec?: Omit<ExecToolOptions, 'workspace'> | false;
  /** web_fetch / web_search settings; `false` leaves both out. */
  web?: { fetch?: WebFetchToolOptions; search?: WebSearchToolOptions } | false;
  /** Include load_skill (default true). */
  skills?: boolean;
}

/**
 * The standard tool set: read_file, write_file, edit_file, list_dir, exec, web_fetch, web_search,
 * message, load_skill. MCP tools come from `connectMcpServers` and are registered beside these.
 */
export function createDefaultTools(opts: DefaultToolsOptions): AnyTool[] {
  const { workspace } = opts;
  const tools: AnyTool[] = [
    createReadFileTool({ workspace, stateDir: opts.stateDir }),
    createWriteFileTool({ workspace }),
    createEditFileTool({ workspace }),
    createListDirTool({ workspace }),
  ];
  if (opts.exec !== false) tools.push(createExecTool({ ...opts.exec, workspace }));
  if (opts.web !== false) {
    tools.push(createWebFetchTool(opts.web?.fetch), createWebSearchTool(opts.web?.search));
  }
  tools.push(createMessageTool());
  if (opts.skills !== false) tools.push(createLoadSkillTool({ workspace }));
  return tools;
}

export { createReadFileTool, DEFAULT_READ_MAX_BYTES, type ReadFileToolOptions } from './read-file-tool.js';
export { createWriteFileTool, type WriteFileToolOptions } from './write-file-tool.js';
export { createEditFileTool, type EditFileToolOptions } from './edit-file-tool.js';
export { createListDirTool, type ListDirToolOptions } from './list-dir-tool.js';
export {
  createExecTool,
  formatExecResult,
  interruptedAttemptMessage,
  DEFAULT_EXEC_TIMEOUT_SECONDS,
  DEFAULT_EXEC_MAX_OUTPUT_CHARS,
  type ExecToolOptions,
} from './exec-tool.js';
export { runProcess, type Launch, type ProcessResult, type RunOptions } from './process-runner.js';
export {
  describeExecIsolation,
  execIsolationNotices,
  resolveExecIsolation,
  type ExecIsolation,
  type ExecIsolationMode,
  type ExecIsolationSettings,
} from './exec-isolation.js';
export { executeInSandbox, sandboxIdFor, type SandboxOptions, type SandboxRequest } from './sandbox-client.js';
export { startSandboxRunner, type SandboxRunner, type SandboxRunnerOptions } from './sandbox-runner.js';
export { DEFAULT_DENY_RULES, checkCommand, compileDenyRules, type DenyRule } from './command-guard.js';
export { allowListedEnvironment, scrubEnvironment, isSensitiveEnvName } from './exec-env.js';
export { createWebFetchTool, DEFAULT_FETCH_MAX_BYTES, type WebFetchToolOptions } from './web-fetch-tool.js';
export { createWebSearchTool, BRAVE_SEARCH_URL, type WebSearchToolOptions } from './web-search-tool.js';
export {
  HostAllowList,
  UrlBlockedError,
  blockedAddressReason,
  checkUrl,
  resolveChecked,
  type HostLookup,
} from './url-guard.js';
export { htmlToText, decodeEntities } from './html-to-text.js';
export { createMessageTool } from './message-tool.js';
export { defineTool, type ToolSpec } from './define-tool.js';
export { jsonSchemaArgs } from './json-schema-args.js';
export {
  connectMcpServers,
  mcpToolName,
  McpServerConfigSchema,
  type McpConnection,
  type McpServerConfig,
  type McpServersConfig,
  type ConnectMcpOptions,
} from './mcp-client.js';
export { createLoadSkillTool } from './load-skill-tool.js';
export { createSpawnTool } from './spawn-tool.js';
export { createCronTool } from './cron-tool.js';
export {
  resolveWorkspacePath,
  WorkspacePathError,
  PROTECTED_DIRS,
  type PathPurpose,
  type WorkspacePath,
} from '../workspace/workspace-path.js';
export { openWorkspaceFile, writeWorkspaceFile } from '../workspace/workspace-io.js';
