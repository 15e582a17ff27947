import type { ApprovalDecisionInput, PendingApproval } from '../contract/index.js';
import { defaultDecider } from './approvals-command.js';

/**
 * Chat's approval questions: the session status (polled while a turn runs) lists the waiting
 * tool calls; each new one is asked about, one at a time, and the next line typed is the answer (y / always / n[: reason]).
 */
export class ApprovalPrompt {
  private active = false;
  private readonly asked = new Set<string>();
  private readonly queue: PendingApproval[] = [];
  private current: PendingApproval | undefined;

  constructor(
    private readonly decide: (input: ApprovalDecisionInput) => Promise<unknown>,
    private readonly ui: { asking(): void; done(): void; say(line: string): void },
  ) {}

  start(): void {
    this.active = true;
  }

  stop(): void {
    this.active = false;
    this.queue.length = 0;
    this.current = undefined;
  }

  /** The waiting calls the last status showed: new ones are asked about, in order. */
  offer(approvals: readonly PendingApproval[]): void {
    if (!this.active) return;
    for (const approval of approvals) {
      if (this.asked.has(approval.id)) continue;
      this.asked.add(approval.id);
      this.queue.push(approval);
    }
    if (!this.current) this.next();
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
    this.decide(input).then(
      () => this.ui.say(decision.decision === 'deny' ? 'Denied.' : 'Approved.'),
      (error: unknown) => this.ui.say(`error: ${error instanceof Error ? error.message : String(error)}`),
    );
    this.next();
    return true;
  }

  private next(): void {
    const approval = this.queue.shift();
    if (!this.active || !approval) {
      if (!this.current && this.active) this.ui.done();
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
