import type { ApprovalDecisionInput, PendingApproval } from '../contract/index.js';
import type { ApprovalsClient } from '../temporal/approvals-client.js';
import { defaultDecider } from './approvals-command.js';

/**
 * Chat's approval questions: while a turn runs, polls the session's waiting tool calls and asks
 * about each, one at a time; the next line typed is the answer (y / always / n[: reason]).
 */
export class ApprovalPrompt {
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private readonly asked = new Set<string>();
  private readonly queue: PendingApproval[] = [];
  private current: PendingApproval | undefined;

  constructor(
    private readonly approvals: ApprovalsClient,
    private readonly pending: () => Promise<PendingApproval[]>,
    private readonly pollMs: number,
    private readonly ui: { asking(): void; done(): void; say(line: string): void },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.current = undefined;
  }

  /** Takes a typed line when a question is open; false when the line is not an answer. */
  answer(line: string): boolean {
    const approval = this.current;
    if (!approval || line.trim().startsWith('/')) return false;
    const decision = parseAnswer(line);
    if (!decision) {
      this.ui.say('Answer y (once), always (this session) or n (n: reason to tell the model why).');
      return true;
    }
    this.current = undefined;
    const input: ApprovalDecisionInput = { id: approval.id, by: defaultDecider(), ...decision };
    this.approvals.decide(input).then(
      () => this.ui.say(decision.decision === 'deny' ? 'Denied.' : 'Approved.'),
      (error: unknown) => this.ui.say(`error: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.next();
    return true;
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const approval of await this.pending()) {
        if (this.asked.has(approval.id)) continue;
        this.asked.add(approval.id);
        this.queue.push(approval);
      }
    } catch {
      return; // a missed poll is asked again next time
    } finally {
      this.polling = false;
    }
    if (!this.current) this.next();
  }

  private next(): void {
    const approval = this.queue.shift();
    if (!this.timer || !approval) {
      if (!this.current) this.ui.done();
      return;
    }
    this.current = approval;
    this.ui.asking();
    const why = approval.reason ? ` (${approval.reason})` : '';
    this.ui.say(
      `Approval needed${why}: ${approval.tool} ${approval.args}\n` +
        `  y = run once, always = also ${approval.grantScope} in this session, n = do not run (n: reason)\n` +
        `approve? [y/always/n] `,
    );
  }
}

function parseAnswer(line: string): Pick<ApprovalDecisionInput, 'decision' | 'reason'> | undefined {
  const text = line.trim();
  if (/^(y|yes)$/i.test(text)) return { decision: 'allow' };
  if (/^(a|always)$/i.test(text)) return { decision: 'allow_session' };
  const no = /^(n|no)\b\s*:?\s*(.*)$/i.exec(text);
  if (no) return { decision: 'deny', ...(no[2] ? { reason: no[2] } : {}) };
  return undefined;
}
