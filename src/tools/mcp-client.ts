import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { JsonSchema } from '../core/llm-provider.js';
import { headTail } from '../core/text.js';
import { toolError, toolOutput, type Tool, type ToolContext, type ToolResult } from '../core/tool.js';
import { logger as sharedLogger, type Logger } from '../logger.js';
import { linkSignals } from './abort-signals.js';
import { jsonSchemaArgs } from './json-schema-args.js';

/**
 * Connects the configured MCP servers (stdio or streamable HTTP) with the official SDK client and
 * turns each remote tool into a local `Tool` named `mcp_<server>_<tool>`. A server that cannot be
 * reached is logged and skipped; the agent starts with the rest.
 */

const Common = {
  /** Per-call timeout for this server's tools, in seconds (default: the option, 30). */
  toolTimeout: z.number().positive().optional(),
  /** Set false to keep a configured server switched off. */
  enabled: z.boolean().optional(),
};

export const McpStdioServerSchema = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Added to a minimal safe environment (the worker's secrets are not passed on). */
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  ...Common,
});

export const McpHttpServerSchema = z.object({
  url: z.url(),
  headers: z.record(z.string(), z.string()).optional(),
  ...Common,
});

export const McpServerConfigSchema = z.union([McpStdioServerSchema, McpHttpServerSchema]);
export type McpServerConfig = z.input<typeof McpServerConfigSchema>;
/** `tools.mcpServers` in the config: server name → how to reach it. */
export type McpServersConfig = Record<string, McpServerConfig>;

export interface ConnectMcpOptions {
  logger?: Logger;
  /** Default per-call timeout, seconds (30). */
  toolTimeoutSeconds?: number;
  /** How long connecting + listing tools may take per server, seconds (20). */
  connectTimeoutSeconds?: number;
  /** Longest tool result returned to the model, in characters (50,000; head + tail kept). */
  maxResultChars?: number;
}

export interface McpConnection {
  tools: Tool<Record<string, unknown>>[];
  close(): Promise<void>;
}

/** `mcp_<server>_<tool>`, reduced to [a-zA-Z0-9_-] and at most 64 characters. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp_${server}_${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

export async function connectMcpServers(
  config: Record<string, unknown> | undefined,
  opts: ConnectMcpOptions = {},
): Promise<McpConnection> {
  const log = opts.logger ?? sharedLogger();
  const entries = Object.entries(config ?? {});
  const connected = await Promise.all(entries.map(([name, raw]) => connectOne(name, raw, opts, log)));

  const tools: Tool<Record<string, unknown>>[] = [];
  const clients: Client[] = [];
  const seen = new Set<string>();
  for (const server of connected) {
    if (!server) continue;
    clients.push(server.client);
    for (const tool of server.tools) {
      if (seen.has(tool.name)) {
        log.warn({ server: server.name, tool: tool.name }, 'MCP tool name collides with another after sanitising; skipped');
        continue;
      }
      seen.add(tool.name);
      tools.push(tool);
    }
  }
  return {
    tools,
    close: async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
    },
  };
}

async function connectOne(
  name: string,
  raw: unknown,
  opts: ConnectMcpOptions,
  log: Logger,
): Promise<{ name: string; client: Client; tools: Tool<Record<string, unknown>>[] } | undefined> {
  const parsed = McpServerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'server'}: ${i.message}`).join('; ');
    log.error({ server: name }, `MCP server "${name}" has an invalid config (${problems}); skipped. Give either {command, args} or {url}`);
    return undefined;
  }
  const server = parsed.data;
  if (server.enabled === false) return undefined;

  const transport = createTransport(name, server, log);
  const client = new Client({ name: 'exoclaw-temporal', version: '0.1.0' });
  const connectTimeout = (opts.connectTimeoutSeconds ?? 20) * 1000;
  try {
    await client.connect(transport, { timeout: connectTimeout });
    const remoteTools = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor }, { timeout: connectTimeout });
      remoteTools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    const timeoutMs = (server.toolTimeout ?? opts.toolTimeoutSeconds ?? 30) * 1000;
    const maxResultChars = opts.maxResultChars ?? 50_000;
    const tools: Tool<Record<string, unknown>>[] = [];
    for (const remote of remoteTools) {
      try {
        tools.push(
          createMcpTool({
            server: name,
            client,
            remoteName: remote.name,
            description: remote.description,
            inputSchema: remote.inputSchema as JsonSchema,
            timeoutMs,
            maxResultChars,
          }),
        );
      } catch (error) {
        log.warn({ server: name, tool: remote.name, err: error }, 'MCP tool has an input schema that cannot be compiled; skipped');
      }
    }
    log.info({ server: name, tools: tools.length }, `MCP server "${name}" connected`);
    return { name, client, tools };
  } catch (error) {
    log.error({ server: name, err: error }, `MCP server "${name}" could not be connected; skipped: ${(error as Error).message}`);
    await client.close().catch(() => undefined);
    await transport.close().catch(() => undefined);
    return undefined;
  }
}

function createTransport(name: string, server: z.output<typeof McpServerConfigSchema>, log: Logger): Transport {
  if ('command' in server) {
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      ...(server.env ? { env: server.env } : {}),
      ...(server.cwd ? { cwd: server.cwd } : {}),
      stderr: 'pipe',
    });
    // Drain the server's stderr (a full pipe would stall it) into debug logs.
    transport.stderr?.on('data', (chunk: Buffer) => {
      log.debug({ server: name }, `mcp stderr: ${chunk.toString('utf8').slice(0, 2000).trimEnd()}`);
    });
    return transport;
  }
  return new StreamableHTTPClientTransport(new URL(server.url), {
    ...(server.headers ? { requestInit: { headers: server.headers } } : {}),
  });
}

interface McpToolSpec {
  server: string;
  client: Client;
  remoteName: string;
  description: string | undefined;
  inputSchema: JsonSchema;
  timeoutMs: number;
  maxResultChars: number;
}

function createMcpTool(spec: McpToolSpec): Tool<Record<string, unknown>> {
  const parameters: JsonSchema = { ...spec.inputSchema, type: 'object' };
  if (parameters.properties === undefined) parameters.properties = {};
  return {
    name: mcpToolName(spec.server, spec.remoteName),
    description: spec.description?.trim() || `Tool "${spec.remoteName}" from the MCP server "${spec.server}"`,
    parameters,
    // The server's whole schema (anyOf, $ref, pattern…) is checked here, before the call leaves.
    args: jsonSchemaArgs(parameters),
    async execute(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
      const linked = linkSignals(ctx.signal);
      try {
        const result = await spec.client.callTool({ name: spec.remoteName, arguments: args }, undefined, {
          timeout: spec.timeoutMs,
          signal: linked.signal,
        });
        const text = headTail(flattenResult(result), spec.maxResultChars);
        return result.isError === true
          ? toolError(`Error: ${text || 'the MCP tool reported an error'}`)
          : toolOutput(text || '(no output)');
      } catch (error) {
        return toolError(callFailure(spec, error, ctx));
      } finally {
        linked.dispose();
      }
    },
  };
}

function callFailure(spec: McpToolSpec, error: unknown, ctx: ToolContext): string {
  if (ctx.signal?.aborted) return `Error: the call to ${spec.remoteName} on MCP server "${spec.server}" was cancelled`;
  if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) {
    return `Error: ${spec.remoteName} on MCP server "${spec.server}" did not answer within ${spec.timeoutMs / 1000}s`;
  }
  if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
    return `Error: the connection to MCP server "${spec.server}" is closed; its tools are unavailable until the worker restarts`;
  }
  return `Error: MCP server "${spec.server}" failed to run ${spec.remoteName}: ${(error as Error).message}`;
}

const ContentItem = z.looseObject({ type: z.string() });

/** MCP content blocks → one text for the model. */
export function flattenResult(result: Record<string, unknown>): string {
  const content = Array.isArray(result.content) ? result.content : undefined;
  if (!content || content.length === 0) {
    const structured = result.structuredContent ?? result.toolResult;
    return structured === undefined ? '' : JSON.stringify(structured, null, 2);
  }
  return content
    .map((raw) => {
      const parsed = ContentItem.safeParse(raw);
      if (!parsed.success) return '';
      const item = parsed.data as Record<string, unknown> & { type: string };
      switch (item.type) {
        case 'text':
          return typeof item.text === 'string' ? item.text : '';
        case 'image':
        case 'audio': {
          const bytes = typeof item.data === 'string' ? Buffer.byteLength(item.data, 'base64') : 0;
          return `[${item.type}: ${String(item.mimeType ?? 'unknown type')}, ${bytes} bytes]`;
        }
        case 'resource': {
          const resource = (item.resource ?? {}) as Record<string, unknown>;
          if (typeof resource.text === 'string') return resource.text;
          return `[resource ${String(resource.uri ?? '')} (${String(resource.mimeType ?? 'binary')})]`;
        }
        case 'resource_link':
          return `[resource link: ${String(item.name ?? '')} ${String(item.uri ?? '')}]`.replace(/\s+]/, ']');
        default:
          return `[${item.type} content]`;
      }
    })
    .filter((part) => part !== '')
    .join('\n');
}
