// The tool policy's rules as the workflow evaluates them: first match wins, argument matchers,
// `unless`, the default, and what "allow for this session" covers.
import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { evaluateToolPolicy, hostOf, policyIsActive, ToolPolicy } from '../../src/contract/index.js';

const policy = (input: unknown) => ToolPolicy.parse(input);

describe('tool policy rules', () => {
  it('first match wins; a call no rule matches gets the default', () => {
    const p = policy({
      rules: [
        { tool: 'exec', command: 'git status*', action: 'allow' },
        { tool: 'exec', command: ['rm *', 'sudo *'], action: 'deny', reason: 'never' },
        { tool: 'exec', action: 'ask' },
      ],
      default: 'allow',
    });
    expect(evaluateToolPolicy(p, 'exec', { command: 'git status --short' })).toMatchObject({ action: 'allow', rule: 0 });
    expect(evaluateToolPolicy(p, 'exec', { command: 'rm -rf /' })).toMatchObject({ action: 'deny', rule: 1, reason: 'never' });
    expect(evaluateToolPolicy(p, 'exec', { command: 'make' })).toMatchObject({ action: 'ask', rule: 2 });
    const other = evaluateToolPolicy(p, 'read_file', { path: 'a.txt' });
    expect(other.action).toBe('allow');
    expect(other.rule).toBeUndefined();
  });

  it('"ask for exec outside an allow list" is one rule with unless', () => {
    const p = policy({ rules: [{ tool: 'exec', unless: { command: ['ls *', 'git status'] }, action: 'ask' }] });
    expect(evaluateToolPolicy(p, 'exec', { command: 'ls -la' }).action).toBe('allow');
    expect(evaluateToolPolicy(p, 'exec', { command: 'git status' }).action).toBe('allow');
    expect(evaluateToolPolicy(p, 'exec', { command: 'git push' }).action).toBe('ask');
  });

  it('matches paths, web_fetch hosts (case-insensitive, userinfo and ports ignored) and MCP tool names', () => {
    const p = policy({
      rules: [
        { tool: ['write_file', 'edit_file'], path: '*.env', action: 'deny' },
        { tool: 'web_fetch', host: ['*.internal.example', 'internal.example'], action: 'ask' },
        { tool: 'mcp_github_*', action: 'ask' },
      ],
    });
    expect(evaluateToolPolicy(p, 'write_file', { path: 'config/.env' }).action).toBe('deny');
    expect(evaluateToolPolicy(p, 'write_file', { path: 'notes.md' }).action).toBe('allow');
    expect(evaluateToolPolicy(p, 'web_fetch', { url: 'https://user:pw@API.Internal.Example:8443/x' }).action).toBe('ask');
    expect(evaluateToolPolicy(p, 'web_fetch', { url: 'https://example.org/' }).action).toBe('allow');
    expect(evaluateToolPolicy(p, 'mcp_github_create_issue', {}).action).toBe('ask');
    expect(evaluateToolPolicy(p, 'mcp_gitlab_create_issue', {}).action).toBe('allow');
    // A rule with a matcher never matches a call without that argument.
    expect(evaluateToolPolicy(p, 'write_file', {}).action).toBe('allow');
    expect(hostOf('not a url')).toBeUndefined();
    expect(hostOf('http://[::1]:80/')).toBe('[::1]');
  });

  it('globs are literal apart from * and ?', () => {
    const p = policy({ rules: [{ tool: 'exec', command: 'echo (a).b?', action: 'deny' }] });
    expect(evaluateToolPolicy(p, 'exec', { command: 'echo (a).bc' }).action).toBe('deny');
    expect(evaluateToolPolicy(p, 'exec', { command: 'echo aXb' }).action).toBe('allow');
  });

  it('a session grant covers the same tool, rule and subject (an exec program, a path, a host)', () => {
    const p = policy({ rules: [{ tool: 'exec', action: 'ask' }, { tool: 'web_fetch', action: 'ask' }] });
    const git1 = evaluateToolPolicy(p, 'exec', { command: 'git status' });
    const git2 = evaluateToolPolicy(p, 'exec', { command: '  git log -1' });
    const ls = evaluateToolPolicy(p, 'exec', { command: 'ls' });
    expect(git1.grantKey).toBe(git2.grantKey);
    expect(git1.grantKey).not.toBe(ls.grantKey);
    expect(git1.grantScope).toBe('exec commands starting with `git`');
    const a = evaluateToolPolicy(p, 'web_fetch', { url: 'https://a.example/1' });
    expect(a.grantKey).toBe(evaluateToolPolicy(p, 'web_fetch', { url: 'https://a.example/2' }).grantKey);
    expect(a.grantKey).not.toBe(evaluateToolPolicy(p, 'web_fetch', { url: 'https://b.example/' }).grantKey);
  });

  it('an empty default-allow policy is inactive (turns run as before)', () => {
    expect(policyIsActive(policy({}))).toBe(false);
    expect(policyIsActive(policy({ default: 'ask' }))).toBe(true);
    expect(policyIsActive(policy({ rules: [{ tool: '*', action: 'allow' }] }))).toBe(true);
  });

  it('the config refuses a mistyped matcher or action instead of matching every call', () => {
    const bad = (rule: unknown) => () =>
      loadConfig({ env: {}, overrides: { tools: { policy: { rules: [rule] } } }, onWarning: () => undefined });
    expect(bad({ tool: 'exec', comand: 'ls', action: 'ask' })).toThrow(ConfigError);
    expect(bad({ tool: 'exec', action: 'maybe' })).toThrow(/allow|deny|ask/);
    expect(bad({ tool: 'exec', action: 'ask' })()).toMatchObject({ tools: { policy: { rules: [{ tool: 'exec', action: 'ask' }], approvalTimeout: '24h' } } });
  });
});
