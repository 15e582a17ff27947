import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../../src/config.js';

let home: string;
const warnings: string[] = [];
const onWarning = (message: string): void => {
  warnings.push(message);
};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'exoclaw-config-'));
  warnings.length = 0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function writeConfig(value: unknown, name = 'config.json'): string {
  const path = join(home, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

function loadError(fn: () => Config): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every default when there is no file and no environment', () => {
    const config = loadConfig({ env: { HOME: home }, onWarning });
    expect(config.sourcePath).toBeUndefined();
    expect(config.agents.defaults).toEqual({
      workspace: join(home, '.exoclaw', 'workspace'),
      stateDir: join(home, '.exoclaw', 'workspace.state'),
      model: 'scripted/scripted-llm',
      temperature: 0.1,
      maxTokens: 8192,
      maxToolIterations: 40,
      memoryWindow: 100,
      contextWindowTokens: 100_000,
    });
    expect(config.temporal).toEqual({ address: 'localhost:7233', namespace: 'default', taskQueue: 'exoclaw-temporal', taskQueues: ['exoclaw-temporal'] });
    expect(config.tools.exec).toEqual({
      timeout: 60,
      sandbox: { enabled: false },
      isolation: 'auto',
      network: true,
      readOnlyPaths: [],
      user: { uid: 65534, gid: 65534 },
      env: {},
    });
    expect(config.tools.restrictToWorkspace).toBe(true);
    expect(config.tools.web.search.maxResults).toBe(5);
    expect(config.tools.web.fetch.allowPrivateHosts).toEqual([]);
    expect(config.tools.mcpServers).toEqual({});
    expect(config.providers).toEqual({});
  });

  it('reads ~/.nanobot/config.json when it exists, and EXOCLAW_CONFIG before it', () => {
    mkdirSync(join(home, '.nanobot'));
    writeFileSync(join(home, '.nanobot', 'config.json'), JSON.stringify({ agents: { defaults: { maxTokens: 111 } } }));
    expect(loadConfig({ env: { HOME: home } }).agents.defaults.maxTokens).toBe(111);

    const other = writeConfig({ agents: { defaults: { maxTokens: 222 } } }, 'other.json');
    const config = loadConfig({ env: { HOME: home, EXOCLAW_CONFIG: other } });
    expect(config.agents.defaults.maxTokens).toBe(222);
    expect(config.sourcePath).toBe(other);
  });

  it('accepts snake_case and camelCase keys, but keeps user-named maps verbatim', () => {
    const path = writeConfig({
      agents: { defaults: { max_tokens: 1000, maxToolIterations: 7, memory_window: 30, reasoning_effort: 'high' } },
      providers: {
        my_proxy: { api_key: 'k1', api_base: 'http://proxy.local/v1', extra_headers: { X_Custom_Header: 'a', 'x-b': 'b' } },
        openai: { apiKey: 'k2' },
      },
      tools: {
        restrict_to_workspace: false,
        exec: { timeout: 5, deny_patterns: ['rm -rf'], read_only_paths: ['/opt/go'], env: { GO_FLAGS: '-x', my_var: 'v' } },
        web: { search: { api_key: 'brave', max_results: 3 }, fetch: { allow_private_hosts: ['10.0.0.5'] } },
        mcp_servers: {
          my_server: { command: 'node', args: ['s.js'], env: { MY_VAR: '1' }, tool_timeout: 9 },
          remote_one: { url: 'http://mcp.local/mcp', headers: { Api_Token: 't' } },
        },
      },
      temporal: { task_queue: 'q1' },
    });
    const config = loadConfig({ path, env: { HOME: home }, onWarning });
    expect(config.agents.defaults).toMatchObject({ maxTokens: 1000, maxToolIterations: 7, memoryWindow: 30, reasoningEffort: 'high' });
    expect(config.providers.my_proxy).toEqual({
      apiKey: 'k1',
      apiBase: 'http://proxy.local/v1',
      extraHeaders: { X_Custom_Header: 'a', 'x-b': 'b' },
    });
    expect(config.tools.restrictToWorkspace).toBe(false);
    expect(config.tools.exec.denyPatterns).toEqual(['rm -rf']);
    expect(config.tools.exec.readOnlyPaths).toEqual(['/opt/go']);
    expect(config.tools.exec.env).toEqual({ GO_FLAGS: '-x', my_var: 'v' });
    expect(config.tools.web.search).toEqual({ apiKey: 'brave', maxResults: 3 });
    expect(config.tools.web.fetch.allowPrivateHosts).toEqual(['10.0.0.5']);
    expect(config.tools.mcpServers.my_server).toEqual({ command: 'node', args: ['s.js'], env: { MY_VAR: '1' }, toolTimeout: 9 });
    expect(config.tools.mcpServers.remote_one?.headers).toEqual({ Api_Token: 't' });
    expect(config.temporal.taskQueue).toBe('q1');
    // a key was present, so the default model follows it
    expect(config.agents.defaults.model).toBe('openai/gpt-4.1');
    expect(warnings).toEqual([]);
  });

  it('reports the same key spelled both ways', () => {
    const path = writeConfig({ agents: { defaults: { maxTokens: 1, max_tokens: 2 } } });
    const error = loadError(() => loadConfig({ path, env: { HOME: home } }));
    expect(error.issues[0]).toMatch(/agents\.defaults\.maxTokens: set twice/);
  });

  it('warns about unknown keys but accepts nanobot sections it does not use', () => {
    const path = writeConfig({
      agents: { defaults: { maxToken: 5 } },
      channels: { telegram: { enabled: true, allow_from: ['42'] } },
      gateway: { port: 18790 },
    });
    const config = loadConfig({ path, env: { HOME: home }, onWarning });
    expect(config.agents.defaults.maxTokens).toBe(8192);
    expect(config.channels.telegram).toEqual({ enabled: true, allowFrom: ['42'] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('agents.defaults.maxToken');
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain('did you mean "agents.defaults.maxTokens"?');
  });

  it('suggests the key a typo was meant to be, at its own level, and nothing for a far-off name', () => {
    const path = writeConfig({ temporal: { adress: 'x:7233', taskQeue: 'q' }, tools: { exec: { timout: 5, colour: 'blue' } } });
    loadConfig({ path, env: { HOME: home }, onWarning });
    expect(warnings).toEqual([
      `Unknown config key "temporal.adress" in ${path} is ignored; did you mean "temporal.address"?`,
      `Unknown config key "temporal.taskQeue" in ${path} is ignored; did you mean "temporal.taskQueue"?`,
      `Unknown config key "tools.exec.timout" in ${path} is ignored; did you mean "tools.exec.timeout"?`,
      `Unknown config key "tools.exec.colour" in ${path} is ignored; check its spelling.`,
    ]);
  });

  it('applies environment overrides over the file', () => {
    const path = writeConfig({
      agents: { defaults: { workspace: '/from/file', model: 'openai/gpt-4o', maxTokens: 10 } },
      temporal: { address: 'file:7233', namespace: 'file-ns', taskQueue: 'file-q' },
      tools: { web: { search: { apiKey: 'from-file' } } },
    });
    const config = loadConfig({
      path,
      env: {
        HOME: home,
        EXOCLAW_WORKSPACE: '~/ws',
        EXOCLAW_MODEL: 'anthropic/claude-haiku-4-5',
        EXOCLAW_MAX_TOKENS: '2048',
        EXOCLAW_TIMEZONE: 'Europe/Berlin',
        TEMPORAL_ADDRESS: 'temporal.svc:7233',
        TEMPORAL_NAMESPACE: 'prod',
        EXOCLAW_TASK_QUEUE: 'agents',
        BRAVE_API_KEY: 'brave-env',
        ANTHROPIC_API_KEY: 'ak',
        EXOCLAW_SANDBOX_URL: 'http://sandbox.svc',
        EXOCLAW_RESTRICT_TO_WORKSPACE: 'false',
        EXOCLAW_MEMORY_WINDOW: '', // empty means unset
      },
    });
    expect(config.agents.defaults.workspace).toBe(join(home, 'ws'));
    expect(config.agents.defaults.model).toBe('anthropic/claude-haiku-4-5');
    expect(config.agents.defaults.maxTokens).toBe(2048);
    expect(config.agents.defaults.memoryWindow).toBe(100);
    expect(config.agents.defaults.timezone).toBe('Europe/Berlin');
    expect(config.temporal).toEqual({ address: 'temporal.svc:7233', namespace: 'prod', taskQueue: 'agents', taskQueues: ['agents'] });
    expect(config.tools.web.search.apiKey).toBe('brave-env');
    expect(config.providers.anthropic?.apiKey).toBe('ak');
    expect(config.tools.exec.sandbox).toEqual({ enabled: true, url: 'http://sandbox.svc' });
    expect(config.tools.restrictToWorkspace).toBe(false);
  });

  it('picks the default model from the API keys present', () => {
    expect(loadConfig({ env: { HOME: home, ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' } }).agents.defaults.model).toBe(
      'anthropic/claude-sonnet-4-6',
    );
    expect(loadConfig({ env: { HOME: home, OPENAI_API_KEY: 'o' } }).agents.defaults.model).toBe('openai/gpt-4.1');
    expect(loadConfig({ env: { HOME: home } }).agents.defaults.model).toBe('scripted/scripted-llm');
  });

  it('reads every provider variable of the provider table into providers.<name>', () => {
    const path = writeConfig({ providers: { openrouter: { apiKey: 'from-file', extraHeaders: { 'x-team': 'a' } } } });
    const config = loadConfig({
      path,
      env: {
        HOME: home,
        OPENROUTER_API_KEY: 'or-env',
        OLLAMA_API_BASE: 'http://gpu-box:11434/v1',
        VLLM_API_KEY: 'vllm-token',
        EXOCLAW_SCRIPTED_LLM_URL: 'http://127.0.0.1:8790',
      },
    });
    expect(config.providers.openrouter).toEqual({ apiKey: 'or-env', extraHeaders: { 'x-team': 'a' } });
    expect(config.providers.ollama).toEqual({ apiBase: 'http://gpu-box:11434/v1' });
    expect(config.providers.vllm).toEqual({ apiKey: 'vllm-token' });
    // One variable, both scripted APIs.
    expect(config.providers.scripted).toEqual({ apiBase: 'http://127.0.0.1:8790' });
    expect(config.providers['scripted-anthropic']).toEqual({ apiBase: 'http://127.0.0.1:8790' });
    // A key for a provider without a default model does not pick the default model.
    expect(config.agents.defaults.model).toBe('scripted/scripted-llm');
  });

  it('refuses a provider base URL that is no http(s) URL or uses a port fetch will not connect to, naming where it came from', () => {
    const path = writeConfig({ providers: { ollama: { apiBase: 'localhost:11434' }, vllm: { apiBase: 'ftp://gpu:8000/v1' } } });
    const error = loadError(() => loadConfig({ path, env: { HOME: home, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' } }));
    expect(error.issues).toEqual(
      expect.arrayContaining([
        'providers.ollama.apiBase: use an http(s) URL such as http://localhost:11434/v1',
        'providers.vllm.apiBase: use an http(s) URL such as http://localhost:11434/v1',
        'providers.openai.apiBase (from environment variable OPENAI_BASE_URL): port 9 is one fetch refuses to connect to (a blocked port); use another port',
      ]),
    );
    // Empty means unset (nanobot dumps "" for unset strings): no base URL, no error.
    expect(loadConfig({ path: writeConfig({ providers: { ollama: { apiBase: '' } } }), env: { HOME: home } }).providers.ollama?.apiBase).toBeUndefined();
  });

  it('lets overrides (CLI flags) beat both the environment and the file', () => {
    const path = writeConfig({ agents: { defaults: { model: 'file/m', temperature: 0.5 } }, temporal: { taskQueue: 'file-q' } });
    const config = loadConfig({
      path,
      env: { HOME: home, EXOCLAW_MODEL: 'env/m', EXOCLAW_TASK_QUEUE: 'env-q', TEMPORAL_NAMESPACE: 'env-ns' },
      overrides: { agents: { defaults: { model: 'flag/m', workspace: undefined } }, temporal: { task_queue: 'flag-q' } },
    });
    expect(config.agents.defaults.model).toBe('flag/m');
    expect(config.agents.defaults.temperature).toBe(0.5);
    expect(config.temporal.taskQueue).toBe('flag-q');
    expect(config.temporal.namespace).toBe('env-ns');
  });

  it('lists every problem in a bad file with where it is and what was wrong', () => {
    const path = writeConfig({
      agents: { defaults: { maxTokens: 'lots', temperature: 5, timezone: 'Mars/Olympus' } },
      tools: {
        exec: { sandbox: { enabled: 'yes' }, isolation: 'off', readOnlyPaths: ['opt/go'] },
        mcpServers: { broken: { args: ['x'] } },
      },
      providers: { anthropic: { apiKey: 12345 } },
    });
    const error = loadError(() => loadConfig({ path, env: { HOME: home } }));
    expect(error.name).toBe('ConfigError');
    expect(error.filePath).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain('agents.defaults.maxTokens: expected number, got "lots"');
    expect(error.message).toContain('agents.defaults.temperature: must be at most 2, got 5');
    expect(error.message).toMatch(/agents\.defaults\.timezone: unknown IANA time zone.*Mars\/Olympus/);
    expect(error.message).toContain('tools.exec.sandbox.enabled: expected boolean, got "yes"');
    expect(error.message).toMatch(/tools\.exec\.isolation: .*"auto".*"bwrap".*"user".*"none"/);
    expect(error.message).toContain('tools.exec.readOnlyPaths.0: use an absolute path other than "/"');
    expect(error.message).toMatch(/tools\.mcpServers\.broken: give either "command"/);
    // the value of a key-like field is never echoed
    expect(error.message).toContain('providers.anthropic.apiKey: expected string, got a number');
    expect(error.message).not.toContain('12345');
  });

  it('names the environment variable that supplied a bad value', () => {
    const error = loadError(() => loadConfig({ env: { HOME: home, EXOCLAW_MAX_TOKENS: 'lots' } }));
    expect(error.issues).toEqual([
      'agents.defaults.maxTokens (from environment variable EXOCLAW_MAX_TOKENS): expected number, got "lots"',
    ]);
  });

  it('reports invalid JSON with its line and column', () => {
    const path = writeConfig('{\n  "agents": {\n    "defaults": { "model": "x", }\n  }\n}\n');
    const error = loadError(() => loadConfig({ path, env: { HOME: home } }));
    expect(error.message).toContain(path);
    expect(error.issues[0]).toMatch(/^line 3, column 33: invalid JSON/);

    const truncated = writeConfig('{"agents": {"defaults": {', 'cut.json');
    expect(loadError(() => loadConfig({ path: truncated, env: { HOME: home } })).issues[0]).toMatch(/^line 1, column 26: invalid JSON/);
  });

  it('fails clearly when the named file does not exist or is not an object', () => {
    const missing = loadError(() => loadConfig({ env: { HOME: home, EXOCLAW_CONFIG: join(home, 'nope.json') } }));
    expect(missing.message).toMatch(/config file not found: .*nope\.json \(from EXOCLAW_CONFIG\)/);
    const list = writeConfig('[1, 2]');
    expect(loadError(() => loadConfig({ path: list, env: { HOME: home } })).issues[0]).toBe(
      'the file must contain a JSON object, got a list',
    );
  });

  it('keeps the state root apart from the workspace and from exec: inside, around, through a link, or shown to exec', () => {
    const base = mkdtempSync(join(tmpdir(), 'exoclaw-config-state-'));
    try {
      const workspace = join(base, 'ws');
      mkdirSync(workspace);
      const load = (defaults: Record<string, unknown>, tools: Record<string, unknown> = {}) =>
        loadConfig({ env: { HOME: home }, overrides: { agents: { defaults: { workspace, ...defaults } }, tools } });
      expect(load({}).agents.defaults.stateDir).toBe(`${workspace}.state`);
      expect(() => load({ stateDir: join(workspace, 'state') })).toThrow(/is inside the workspace/);
      expect(() => load({ stateDir: base })).toThrow(/is inside the state root/);
      symlinkSync(join(workspace, 'hidden'), join(base, 'state-link'));
      mkdirSync(join(workspace, 'hidden'));
      expect(() => load({ stateDir: join(base, 'state-link') })).toThrow(/is inside the workspace/);
      expect(() => load({ stateDir: join(base, 'state') }, { exec: { readOnlyPaths: [base] } })).toThrow(/would show exec the state root/);
      expect(load({ stateDir: join(base, 'state') }).agents.defaults.stateDir).toBe(join(base, 'state'));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('never puts an API key into an error message', () => {
    const path = writeConfig({ providers: { anthropic: 'sk-ant-api03-secretsecretsecret' } });
    const error = loadError(() => loadConfig({ path, env: { HOME: home } }));
    expect(error.message).toContain('providers.anthropic: expected object, got a string');
    expect(error.message).not.toContain('secretsecret');
  });
});
