// Token budgets per turn, per session and per day, checked before each model call (in the
// llmChat activity) and counted from the usage the provider reports after it. The turn's count
// comes from its own recorded assistant messages, so it needs no state; the session and daily
// counts live in the shared state root, so every worker sees the same numbers, across restarts.
import type { LLMResponse, Message } from '../core/index.js';
import type { AgentDefaults, DailyBudgetConfig, SessionBudgetConfig, TurnBudgetConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { UsageCounters } from '../storage/usage-counter.js';

export interface BudgetSettings {
  turn: TurnBudgetConfig;
  session: SessionBudgetConfig;
  daily: DailyBudgetConfig;
}

export type BudgetKind = 'turn' | 'iterations' | 'session' | 'daily';

export type BudgetDecision =
  | { action: 'proceed' }
  /** Call `model` instead (the spent budget's `fallbackModel`). */
  | { action: 'fallback'; model: string; budget: BudgetKind }
  /** Do not call the model: the turn ends with `message`, which the user reads. */
  | { action: 'stop'; message: string; budget: BudgetKind };

export interface BudgetCheck {
  sessionId: string;
  /** The model as configured (`provider/model`). */
  model: string;
  /** 1 for the turn's first model call. */
  iteration: number;
  /** Tokens the turn's earlier model calls used. */
  turnTokens: number;
}

interface Spent {
  budget: BudgetKind;
  enforcement: TurnBudgetConfig['enforcement'];
  fallbackModel?: string;
  message: string;
}

export class TokenBudgets {
  private readonly counters: UsageCounters;

  constructor(
    private readonly settings: BudgetSettings,
    stateDir: string,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.counters = new UsageCounters(stateDir);
  }

  /** The budgets the config enables, or undefined when none is. */
  static fromConfig(defaults: AgentDefaults, stateDir: string, logger: Logger): TokenBudgets | undefined {
    const settings = { turn: defaults.turnBudget, session: defaults.sessionBudget, daily: defaults.dailyBudget };
    return settings.turn.enabled || settings.session.enabled || settings.daily.enabled ? new TokenBudgets(settings, stateDir, logger) : undefined;
  }

  /** Before a model call: go ahead, switch to a fallback model, or stop with a message for the user. */
  async check(req: BudgetCheck): Promise<BudgetDecision> {
    for (const spent of await this.spentBudgets(req)) {
      const where = { budget: spent.budget, sessionId: req.sessionId, model: req.model };
      switch (spent.enforcement) {
        case 'observe':
          this.logger.info(where, `token budget spent (observe only): ${spent.message}`);
          continue;
        case 'warn':
          this.logger.warn(where, `token budget spent (warn only): ${spent.message}`);
          continue;
        case 'fallback':
          if (spent.fallbackModel === req.model) continue; // already on the fallback
          if (spent.fallbackModel) {
            this.logger.warn({ ...where, fallbackModel: spent.fallbackModel }, `token budget spent; using ${spent.fallbackModel}`);
            return { action: 'fallback', model: spent.fallbackModel, budget: spent.budget };
          }
          break; // no fallback model: cut off
        case 'cutoff':
          break;
      }
      this.logger.warn(where, `token budget spent; the turn ends: ${spent.message}`);
      return { action: 'stop', message: spent.message, budget: spent.budget };
    }
    return { action: 'proceed' };
  }

  /** After a model call: adds its tokens to the shared counters and logs crossed warning thresholds. */
  async record(req: { sessionId: string; model: string; tokens: number; turnTokens: number }): Promise<void> {
    const { turn, session, daily } = this.settings;
    if (turn.enabled) this.warnIfCrossed('turn', turn.warningThresholds, turn.tokenBudget, req.turnTokens, req.turnTokens + req.tokens);
    if (session.enabled) {
      const total = await this.counters.addSession(req.sessionId, req.tokens);
      this.warnIfCrossed('session', session.warningThresholds, session.tokenBudget, total - req.tokens, total);
    }
    if (daily.enabled && this.countsToday(req.model)) {
      const total = await this.counters.addDaily(this.day(), req.tokens);
      this.warnIfCrossed('daily', daily.warningThresholds, daily.dailyBudget, total - req.tokens, total);
    }
  }

  /** Tokens counted today (the budget's day) by every worker. */
  usedToday(): Promise<number> {
    return this.counters.daily(this.day());
  }

  private async spentBudgets(req: BudgetCheck): Promise<Spent[]> {
    const { turn, session, daily } = this.settings;
    const spent: Spent[] = [];
    if (turn.enabled && req.iteration > turn.iterationBudget) {
      spent.push({
        budget: 'iterations',
        ...turn,
        message: `I stopped before finishing: this turn reached its budget of ${turn.iterationBudget} model calls. Send another message to continue from here.`,
      });
    } else if (turn.enabled && req.turnTokens >= turn.tokenBudget) {
      spent.push({
        budget: 'turn',
        ...turn,
        message: `I stopped before finishing: this turn used its budget of ${count(turn.tokenBudget)} tokens (${count(req.turnTokens)} used). Send another message to continue from here.`,
      });
    }
    if (session.enabled) {
      const used = await this.counters.session(req.sessionId);
      if (used >= session.tokenBudget) {
        spent.push({
          budget: 'session',
          ...session,
          message:
            `This conversation has used its budget of ${count(session.tokenBudget)} tokens (${count(used)} used), so I cannot continue it. ` +
            'Start a new session, or ask the operator to raise agents.defaults.sessionBudget.tokenBudget.',
        });
      }
    }
    if (daily.enabled && this.countsToday(req.model)) {
      const used = await this.counters.daily(this.day());
      if (used >= daily.dailyBudget) {
        spent.push({
          budget: 'daily',
          ...daily,
          message:
            `Today's token budget is spent (${count(used)} of ${count(daily.dailyBudget)} tokens), so I cannot answer now. ` +
            `It resets at ${String(daily.resetHourUtc).padStart(2, '0')}:00 UTC; ask the operator to raise agents.defaults.dailyBudget.dailyBudget if this cannot wait.`,
        });
      }
    }
    return spent;
  }

  /** Whether a model's tokens count toward the daily budget. */
  private countsToday(model: string): boolean {
    const { primaryModels, fallbackModel } = this.settings.daily;
    return primaryModels.length > 0 ? primaryModels.includes(model) : model !== fallbackModel;
  }

  /** The budget's day: the UTC date, shifted so it starts at `resetHourUtc`. */
  private day(): string {
    return new Date(this.now().getTime() - this.settings.daily.resetHourUtc * 3_600_000).toISOString().slice(0, 10);
  }

  private warnIfCrossed(budget: BudgetKind, thresholds: readonly number[], limit: number, before: number, after: number): void {
    const crossed = thresholds.filter((fraction) => before < fraction * limit && after >= fraction * limit);
    if (crossed.length === 0) return;
    const percent = Math.round(Math.max(...crossed) * 100);
    this.logger.warn({ budget, used: after, limit }, `${budget} token budget ${percent}% used (${count(after)} of ${count(limit)} tokens)`);
  }
}

/** Tokens the turn's earlier model calls used, from its assistant messages in the prompt. */
export function turnTokens(messages: readonly Message[], turnId: string): number {
  let total = 0;
  for (const message of messages) {
    if (message.role === 'assistant' && message.turnId === turnId && message.usage) {
      total += message.usage.inputTokens + message.usage.outputTokens;
    }
  }
  return total;
}

/** The answer that ends a turn whose budget is spent, in place of a model's. */
export function budgetStopResponse(message: string): LLMResponse {
  return { content: message, toolCalls: [], finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } };
}

function count(tokens: number): string {
  return tokens.toLocaleString('en-US');
}
