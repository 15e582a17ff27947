import { ToolRegistry, type LLMProvider } from './core/index.js';
import type { Config } from './config.js';
import { assertToolsConfined } from './config/restrict-to-workspace.js';
import { FileConversation } from './conversation/index.js';
import { logger as sharedLogger, type Logger } from './logger.js';
import { resolveProvider } from './providers/index.js';
import { connectMcpServers, createCronTool, createDefaultTools, createSpawnTool } from './tools/index.js';

export interface AgentParts {
  conversation: FileConversation;
  tools: ToolRegistry;
  /**
   * Model string → provider; credentials come from the config or this process's env only, and only
   * providers the operator configured (or the default model's) are served.
   */
  resolveModel(model: string): { provider: LLMProvider; model: string };
  close(): Promise<void>;
}

/**
 * The Node-side parts of an agent, built from the config: one place, shared by the worker
 * and the in-process runtime, so both get the same tools, store and providers.
 */
export async function createAgentParts(
  config: Config,
  opts: {
    logger?: Logger;
    maxRetries?: number;
    /** Register spawn/cron (run by session workflows; default true). False for the in-process runtime. */
    workflowTools?: boolean;
  } = {},
): Promise<AgentParts> {
  assertToolsConfined(config);
  const log = opts.logger ?? sharedLogger();
  const defaults = config.agents.defaults;
  // A model may come from a client: only providers this worker's operator set up are served.
  const resolveModel = (model: string) =>
    resolveProvider(model, config.providers, { maxRetries: opts.maxRetries ?? 0, logger: log, defaultModel: defaults.model });

  const consolidationModel = resolveModel(defaults.model);
  const conversation = new FileConversation({
    workspace: defaults.workspace,
    stateDir: defaults.stateDir,
    provider: consolidationModel.provider,
    model: consolidationModel.model,
    memoryWindow: defaults.memoryWindow,
    tokenBudget: defaults.contextWindowTokens,
    timezone: defaults.timezone,
    logger: log,
  });

  const toolsConfig = config.tools;
  const sandbox = toolsConfig.exec.sandbox;
  // A tool that cannot work here is not offered: the model would only call it and read an error.
  const searchKey = toolsConfig.web.search.apiKey?.trim();
  const servable = (tool: { name: string }): boolean => tool.name !== 'web_search' || Boolean(searchKey);
  const tools = new ToolRegistry(
    createDefaultTools({
      workspace: defaults.workspace,
      stateDir: defaults.stateDir,
      exec: {
        timeoutSeconds: toolsConfig.exec.timeout,
        denyPatterns: toolsConfig.exec.denyPatterns,
        sandbox: sandbox.enabled && sandbox.url ? { url: sandbox.url } : undefined,
        isolation: toolsConfig.exec,
        env: toolsConfig.exec.env,
      },
      web: {
        fetch: {
          allowPrivateHosts: toolsConfig.web.fetch.allowPrivateHosts,
          maxBytes: toolsConfig.web.fetch.maxBytes,
          timeoutSeconds: toolsConfig.web.fetch.timeoutSeconds,
        },
        search: { apiKey: toolsConfig.web.search.apiKey, defaultCount: toolsConfig.web.search.maxResults },
      },
    }).filter(servable),
  );
  if (!searchKey) log.debug('web_search is not offered: no Brave Search API key (tools.web.search.apiKey or BRAVE_API_KEY)');
  const mcp = await connectMcpServers(toolsConfig.mcpServers, { logger: log });
  for (const tool of mcp.tools) tools.register(tool);
  if (opts.workflowTools !== false) {
    // Definitions only: AgentSessionWorkflow runs them; plain turns never offer them.
    tools.register(createSpawnTool());
    tools.register(createCronTool());
  }

  return {
    conversation,
    tools,
    resolveModel,
    close: () => mcp.close(),
  };
}
