// Configs written by nanobot's own schema, nanobot's environment variables, and several task queues.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { assertToolsConfined } from '../../src/config/restrict-to-workspace.js';

const FIXTURE = resolve(import.meta.dirname, '..', 'fixtures', 'nanobot', 'config.json');

let home: string;
const warnings: string[] = [];
const onWarning = (message: string): void => {
  warnings.push(message);
};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'exoclaw-nanobot-config-'));
  warnings.length = 0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Puts a config where nanobot keeps it, ~/.nanobot/config.json. */
function nanobotHomeConfig(value?: unknown): string {
  mkdirSync(join(home, '.nanobot'), { recursive: true });
  const path = join(home, '.nanobot', 'config.json');
  if (value === undefined) copyFileSync(FIXTURE, path);
  else writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

function writeConfig(value: unknown, name = 'config.json'): string {
  const path = join(home, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}

describe('a config dumped by nanobot', () => {
  it('loads from ~/.nanobot/config.json: nulls are unset, empty providers dropped, the empty MCP entry skipped with one warning', () => {
    // The fixture really is a full dump: nulls, empty strings, every provider and channel.
    const raw = readFileSync(FIXTURE, 'utf8');
    expect(raw).toContain('"apiBase": null');
    expect(raw).toContain('"url": ""');
    expect(raw).toContain('"githubCopilot"');
    expect(raw).toContain('"restrictToWorkspace": false');

    const path = nanobotHomeConfig();
    const config = loadConfig({ env: { HOME: home }, onWarning });
    expect(config.sourcePath).toBe(path);
    expect(config.agents.defaults).toMatchObject({
      workspace: join(home, '.nanobot', 'workspace'),
      stateDir: join(home, '.nanobot', 'workspace.state'),
      model: 'anthropic/claude-sonnet-4-5',
      maxTokens: 4096,
      temperature: 0.1,
      maxToolIterations: 40,
      memoryWindow: 100,
    });
    expect(config.agents.defaults.reasoningEffort).toBeUndefined();
    // Only the providers that were actually configured; no null apiBase or extraHeaders left.
    expect(config.providers).toEqual({
      anthropic: { apiKey: 'sk-ant-api03-fixture-not-a-real-key' },
      openrouter: { apiKey: 'sk-or-v1-fixture-not-a-real-key' },
    });
    expect(config.tools.mcpServers).toEqual({
      filesystem: {
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/root/.nanobot/workspace'],
        env: {},
        headers: {},
        toolTimeout: 30,
      },
    });
    expect(config.tools.web.search).toEqual({ apiKey: 'BSA-fixture-not-a-real-key', maxResults: 5 });
    expect(config.tools.exec.timeout).toBe(60);
    expect((config.channels.telegram as { enabled: boolean }).enabled).toBe(true);
    expect(config.tools.restrictToWorkspace).toBe(false);
    // One note, about the entry that cannot be used; nothing about nanobot's defaults.
    expect(warnings).toEqual([expect.stringMatching(/^MCP server "notion" in .*config\.json has neither "command" nor "url" .*skipped/)]);
  });

  it('is refused where tools are built while restrictToWorkspace is false, and EXOCLAW_RESTRICT_TO_WORKSPACE=true fixes it', () => {
    nanobotHomeConfig();
    const config = loadConfig({ env: { HOME: home }, onWarning });
    let refusal: unknown;
    try {
      assertToolsConfined(config);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ConfigError);
    const message = (refusal as Error).message;
    expect(message).toContain(config.sourcePath);
    expect(message).toContain('tools.restrictToWorkspace: false');
    expect(message).toContain('"restrictToWorkspace": true');
    expect(message).toContain('EXOCLAW_RESTRICT_TO_WORKSPACE=true');

    const fixed = loadConfig({ env: { HOME: home, EXOCLAW_RESTRICT_TO_WORKSPACE: 'true' }, onWarning });
    expect(() => assertToolsConfined(fixed)).not.toThrow();
    // nanobot's older spelling, under tools.exec, is moved up as nanobot itself does.
    const old = writeConfig({ tools: { exec: { restrictToWorkspace: true, timeout: 5 } } }, 'old.json');
    const migrated = loadConfig({ path: old, env: { HOME: home }, onWarning });
    expect(migrated.tools.restrictToWorkspace).toBe(true);
    expect(migrated.tools.exec.timeout).toBe(5);
  });

  it("uses nanobot's workspace for ~/.nanobot/config.json without one, and ours for any other file", () => {
    nanobotHomeConfig({ agents: { defaults: { maxTokens: 100 } } });
    expect(loadConfig({ env: { HOME: home }, onWarning }).agents.defaults.workspace).toBe(join(home, '.nanobot', 'workspace'));
    expect(loadConfig({ env: { HOME: home, EXOCLAW_CONFIG: '~/.nanobot/config.json' }, onWarning }).agents.defaults.stateDir).toBe(
      join(home, '.nanobot', 'workspace.state'),
    );
    const elsewhere = writeConfig({ agents: { defaults: { maxTokens: 100 } } });
    expect(loadConfig({ path: elsewhere, env: { HOME: home }, onWarning }).agents.defaults.workspace).toBe(join(home, '.exoclaw', 'workspace'));
    expect(loadConfig({ env: { HOME: home, EXOCLAW_WORKSPACE: '/srv/ws' }, onWarning }).agents.defaults.workspace).toBe('/srv/ws');
  });

  it('names the nanobot settings it ignores in one warning, only when they were set', () => {
    const path = writeConfig({
      agents: { defaults: { provider: 'openrouter', loopDetection: { enabled: true } } },
      tools: { web: { proxy: 'http://127.0.0.1:7890' }, exec: { pathAppend: '' } },
      gateway: { port: 18790 },
    });
    loadConfig({ path, env: { HOME: home }, onWarning });
    expect(warnings).toEqual([
      `nanobot settings this runtime does not use are ignored in ${path}: agents.defaults.provider, tools.web.proxy. docs/migrating.md says what replaces each.`,
    ]);
  });

  it('skips MCP servers it cannot use, with a warning each, and checks "type"', () => {
    const path = writeConfig({
      tools: {
        mcpServers: {
          old_sse: { type: 'sse', url: 'http://mcp.local/sse', command: '' },
          files: { type: 'stdio', command: 'node', url: '' },
          web: { type: 'streamableHttp', url: 'http://mcp.local/mcp', command: '' },
        },
      },
    });
    const config = loadConfig({ path, env: { HOME: home }, onWarning });
    expect(Object.keys(config.tools.mcpServers).sort()).toEqual(['files', 'web']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/MCP server "old_sse" .*SSE transport.*skipped/);

    const mismatched = writeConfig({ tools: { mcpServers: { x: { type: 'stdio', url: 'http://mcp.local/mcp' } } } }, 'bad.json');
    expect(() => loadConfig({ path: mismatched, env: { HOME: home }, onWarning })).toThrow(/tools\.mcpServers\.x: "type" does not match/);
  });
});

describe('NANOBOT_* environment variables', () => {
  it('fill what the file leaves unset (the file wins, as in nanobot); EXOCLAW_* still override the file', () => {
    const path = writeConfig({
      agents: { defaults: { maxTokens: 10, reasoningEffort: null, temperature: 0.5 } },
      providers: { anthropic: { apiKey: '', apiBase: null } },
    });
    const config = loadConfig({
      path,
      env: {
        HOME: home,
        NANOBOT_AGENTS__DEFAULTS__MODEL: 'openai/gpt-4.1-mini',
        NANOBOT_AGENTS__DEFAULTS__MAX_TOKENS: '999', // the file has 10: ignored
        NANOBOT_AGENTS__DEFAULTS__REASONING_EFFORT: 'high', // the file has null: unset, so filled
        nanobot_agents__defaults__memory_window: '12', // names are case-insensitive
        NANOBOT_PROVIDERS__ANTHROPIC__API_KEY: 'sk-ant-from-nanobot-env',
        NANOBOT_TOOLS__RESTRICT_TO_WORKSPACE: 'true',
        NANOBOT_TOOLS__MCP_SERVERS: '{"git": {"command": "uvx", "args": ["mcp-server-git"], "tool_timeout": 5}}',
        NANOBOT_TMUX_SOCKET_DIR: '/tmp/x', // a nanobot skill's variable, not a setting: ignored silently
        EXOCLAW_TEMPERATURE: '0.3',
      },
      onWarning,
    });
    expect(config.agents.defaults).toMatchObject({
      model: 'openai/gpt-4.1-mini',
      maxTokens: 10,
      reasoningEffort: 'high',
      memoryWindow: 12,
      temperature: 0.3,
    });
    expect(config.providers.anthropic).toEqual({ apiKey: 'sk-ant-from-nanobot-env' });
    expect(config.tools.restrictToWorkspace).toBe(true);
    expect(config.tools.mcpServers.git).toEqual({ command: 'uvx', args: ['mcp-server-git'], toolTimeout: 5 });
    expect(warnings).toEqual([]);
  });

  it('take a whole section as JSON, with a more specific variable winning over it', () => {
    const config = loadConfig({
      env: {
        HOME: home,
        NANOBOT_AGENTS: '{"defaults": {"max_tokens": 321, "memory_window": 7}}',
        NANOBOT_AGENTS__DEFAULTS__MEMORY_WINDOW: '9',
      },
      onWarning,
    });
    expect(config.agents.defaults.maxTokens).toBe(321);
    expect(config.agents.defaults.memoryWindow).toBe(9);
  });

  it('name themselves in errors and warnings, and NANOBOT_WORKSPACE (which nanobot never read) gets a note', () => {
    expect(() => loadConfig({ env: { HOME: home, NANOBOT_AGENTS__DEFAULTS__MAX_TOKENS: 'lots' }, onWarning })).toThrow(
      'agents.defaults.maxTokens (from environment variable NANOBOT_AGENTS__DEFAULTS__MAX_TOKENS): expected number, got "lots"',
    );
    loadConfig({ env: { HOME: home, NANOBOT_WORKSPACE: '/workspace', NANOBOT_AGENTS__DEFAULTS__MAX_TOKEN: '5' }, onWarning });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^NANOBOT_WORKSPACE is not a nanobot setting .*EXOCLAW_WORKSPACE or NANOBOT_AGENTS__DEFAULTS__WORKSPACE/);
    expect(warnings[1]).toBe(
      'Unknown config key "agents.defaults.maxToken" (from environment variable NANOBOT_AGENTS__DEFAULTS__MAX_TOKEN) is ignored; did you mean "agents.defaults.maxTokens"?',
    );
  });
});

describe('task queues', () => {
  it('take several, comma-separated or as a list; the first is where clients start workflows', () => {
    const fromEnv = loadConfig({ env: { HOME: home, EXOCLAW_TASK_QUEUE: 'exoclaw-temporal, exoclaw-turn-based,exoclaw-temporal' }, onWarning });
    expect(fromEnv.temporal.taskQueue).toBe('exoclaw-temporal');
    expect(fromEnv.temporal.taskQueues).toEqual(['exoclaw-temporal', 'exoclaw-turn-based']);

    const path = writeConfig({ temporal: { task_queue: ['exoclaw-turn-based', 'exoclaw-session-based'] } });
    const fromFile = loadConfig({ path, env: { HOME: home }, onWarning });
    expect(fromFile.temporal.taskQueues).toEqual(['exoclaw-turn-based', 'exoclaw-session-based']);
    expect(fromFile.temporal.taskQueue).toBe('exoclaw-turn-based');

    const fromFlag = loadConfig({ path, env: { HOME: home }, overrides: { temporal: { taskQueue: 'a,b' } }, onWarning });
    expect(fromFlag.temporal.taskQueues).toEqual(['a', 'b']);

    expect(() => loadConfig({ env: { HOME: home, EXOCLAW_TASK_QUEUE: 'a,,b' }, onWarning })).toThrow(
      /temporal\.taskQueue \(from environment variable EXOCLAW_TASK_QUEUE\): name one task queue/,
    );
  });
});
