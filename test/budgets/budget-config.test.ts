// The budget keys as exoclaw's nanobot package writes them (snake_case, its field names, nulls),
// and clear errors for bad values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

let home: string;
const warnings: string[] = [];
const load = (value: unknown) => {
  const path = join(home, 'config.json');
  writeFileSync(path, JSON.stringify(value));
  return { path, config: loadConfig({ path, env: { HOME: home }, onWarning: (message) => warnings.push(message) }) };
};

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'exoclaw-budget-config-'));
  warnings.length = 0;
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('budget configuration', () => {
  it("reads exoclaw-nanobot's turn_budget and daily_budget; statePath is named as ignored", () => {
    const { path, config } = load({
      agents: {
        defaults: {
          turn_budget: { enabled: true, iteration_budget: null, token_budget: 5000, warning_thresholds: [0.5], enforcement: 'cutoff', fallback_model: null },
          daily_budget: { enabled: true, daily_budget: 100000, primary_models: ['anthropic/claude-sonnet-4-6'], reset_hour_utc: 6, state_path: '/var/lib/budget.json' },
        },
      },
    });
    const { turnBudget, dailyBudget, sessionBudget } = config.agents.defaults;
    expect(turnBudget).toEqual({ enabled: true, tokenBudget: 5000, iterationBudget: 50, warningThresholds: [0.5], enforcement: 'cutoff' });
    expect(dailyBudget).toMatchObject({ enabled: true, dailyBudget: 100000, primaryModels: ['anthropic/claude-sonnet-4-6'], resetHourUtc: 6, enforcement: 'fallback' });
    expect(sessionBudget.enabled).toBe(false);
    expect(warnings).toEqual([
      `nanobot settings this runtime does not use are ignored in ${path}: agents.defaults.dailyBudget.statePath. docs/migrating.md says what replaces each.`,
    ]);
  });

  it('refuses a bad enforcement or hour, naming the key', () => {
    expect(() => load({ agents: { defaults: { dailyBudget: { enabled: true, enforcement: 'stop', resetHourUtc: 24 } } } })).toThrow(ConfigError);
    try {
      load({ agents: { defaults: { dailyBudget: { enabled: true, enforcement: 'stop', resetHourUtc: 24 } } } });
    } catch (error) {
      expect(String((error as Error).message)).toMatch(/agents\.defaults\.dailyBudget\.enforcement/);
      expect(String((error as Error).message)).toMatch(/agents\.defaults\.dailyBudget\.resetHourUtc/);
    }
  });
});
