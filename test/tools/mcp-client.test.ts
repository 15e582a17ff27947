import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ToolContext } from '../../src/core/tool.js';
import { ToolRegistry } from '../../src/core/tool-registry.js';
import { createLogger } from '../../src/logger.js';
import { connectMcpServers, mcpToolName, type McpConnection } from '../../src/tools/mcp-client.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const fixture = join(here, 'fixtures', 'mcp-echo-server.ts');
const ctx: ToolContext = { sessionId: 'test:mcp' };

const logLines: string[] = [];
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });

let http: Server;
let httpUrl: string;
let connection: McpConnection;
let registry: ToolRegistry;

beforeAll(async () => {
  // A streamable-HTTP MCP server (stateless: one server + transport per request).
  http = createServer((req, res) => {
    const mcp = new McpServer({ name: 'http-fixture', version: '1.0.0' });
    mcp.registerTool('shout', { description: 'Upper-case the text', inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: text.toUpperCase() }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    mcp
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch(() => res.destroy());
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;

  process.env.EXOCLAW_MCP_CANARY_KEY = 'mcp-canary-secret';
  connection = await connectMcpServers(
    {
      echo: { command: process.execPath, args: ['--import', 'tsx', fixture], cwd: repoRoot, env: { FIXTURE_EXTRA: 'given' } },
      'slow server.v1': { command: process.execPath, args: ['--import', 'tsx', fixture], cwd: repoRoot, toolTimeout: 0.5 },
      web: { url: httpUrl },
      broken: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
      unreachable: { url: 'http://127.0.0.1:1/mcp' },
      invalid: { args: ['no command or url'] },
    },
    { logger, connectTimeoutSeconds: 30 },
  );
  delete process.env.EXOCLAW_MCP_CANARY_KEY;
  registry = new ToolRegistry(connection.tools);
}, 90_000);

afterAll(async () => {
  await connection?.close();
  http.closeAllConnections();
  await new Promise<void>((r) => http.close(() => r()));
});

describe('MCP client', () => {
  it('registers every remote tool as mcp_<server>_<tool> and skips servers that fail', () => {
    expect(registry.names.sort()).toEqual(
      [
        'mcp_echo_add', 'mcp_echo_echo', 'mcp_echo_env', 'mcp_echo_fail', 'mcp_echo_mixed', 'mcp_echo_slow',
        'mcp_slow_server_v1_add', 'mcp_slow_server_v1_echo', 'mcp_slow_server_v1_env', 'mcp_slow_server_v1_fail',
        'mcp_slow_server_v1_mixed', 'mcp_slow_server_v1_slow',
        'mcp_web_shout',
      ].sort(),
    );
    const logged = logLines.join('\n');
    expect(logged).toMatch(/MCP server \\?"broken\\?" could not be connected; skipped/);
    expect(logged).toMatch(/MCP server \\?"unreachable\\?" could not be connected; skipped/);
    expect(logged).toMatch(/MCP server \\?"invalid\\?" has an invalid config/);
  });

  it('passes the remote input schema to the model', () => {
    const add = registry.definitions().find((d) => d.name === 'mcp_echo_add');
    expect(add?.description).toBe('Add two numbers');
    expect(add?.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] });
  });

  it('calls tools over stdio and HTTP through the registry', async () => {
    expect(await registry.execute({ name: 'mcp_echo_echo', arguments: { text: 'hi there' } }, ctx)).toEqual({
      output: 'echo: hi there',
      isError: false,
    });
    expect((await registry.execute({ name: 'mcp_echo_add', arguments: { a: '2', b: 40 } }, ctx)).output).toBe('42');
    expect((await registry.execute({ name: 'mcp_web_shout', arguments: { text: 'quiet' } }, ctx)).output).toBe('QUIET');
  });

  it('validates arguments against the remote schema before calling', async () => {
    const outcome = await registry.execute({ name: 'mcp_echo_echo', arguments: {} }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toContain('missing required text');
  });

  it('flattens content and reports remote errors as errors', async () => {
    expect((await registry.execute({ name: 'mcp_echo_mixed', arguments: {} }, ctx)).output).toBe(
      'line one\n[image: image/png, 14 bytes]\nresource text',
    );
    const failed = await registry.execute({ name: 'mcp_echo_fail', arguments: {} }, ctx);
    expect(failed.isError).toBe(true);
    expect(failed.output).toMatch(/^Error: the fixture failed on purpose/);
  });

  it('times out a slow call per server', async () => {
    const outcome = await registry.execute({ name: 'mcp_slow_server_v1_slow', arguments: { ms: 5000 } }, ctx);
    expect(outcome.isError).toBe(true);
    expect(outcome.output).toMatch(/^Error: slow on MCP server "slow server.v1" did not answer within 0.5s/);
    expect((await registry.execute({ name: 'mcp_echo_slow', arguments: { ms: 50 } }, ctx)).output).toBe('finally');
  });

  it('cancels a call through the context signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await registry.execute(
      { name: 'mcp_echo_slow', arguments: { ms: 10_000 } },
      { ...ctx, signal: controller.signal },
    );
    expect(outcome.output).toMatch(/^Error: the call to slow on MCP server "echo" was cancelled/);
  });

  it('gives stdio servers only a minimal environment plus their configured env', async () => {
    expect((await registry.execute({ name: 'mcp_echo_env', arguments: {} }, ctx)).output).toBe('canary=absent extra=given');
  });

  it('sanitises names to [a-zA-Z0-9_-] and 64 characters', () => {
    expect(mcpToolName('my server.v1', 'do/thing')).toBe('mcp_my_server_v1_do_thing');
    expect(mcpToolName('s', 'x'.repeat(100))).toHaveLength(64);
  });
});
