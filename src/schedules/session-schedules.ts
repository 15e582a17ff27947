// Session jobs as Temporal Schedules: durable, visible in `temporal schedule list`, nothing on
// disk. A schedule's action starts ScheduledMessageWorkflow, which delivers one message to the
// session (signal-with-start, so a session that ended while idle starts again).
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleSummary,
} from '@temporalio/client';
import { isIanaTimeZone } from '../time-zone.js';
import {
  SCHEDULED_MESSAGE_WORKFLOW_TYPE,
  sessionWorkflowId,
  type CronArgs,
  type ScheduledMessageInput,
  type SessionStartInput,
} from '../contract/index.js';

export type JobKind = 'every' | 'cron' | 'at' | 'heartbeat';

/** What a job's memo records, so `list` can show it without decoding the action. */
export interface JobMemo {
  kind: JobKind;
  sessionId: string;
  sessionWorkflowId: string;
  jobId: string;
  schedule: string;
  message: string;
}

export interface SessionJob extends JobMemo {
  scheduleId: string;
  paused: boolean;
  nextRunAt?: string;
}

const MEMO_KEY = 'exoclaw';
const JOB_ID = /^[0-9a-f]{8}$/;

export const HEARTBEAT_FILE = 'HEARTBEAT.md';
export const HEARTBEAT_MESSAGE =
  `[Heartbeat] Read ${HEARTBEAT_FILE} in the workspace and act on what it asks for. ` +
  'If nothing needs doing right now, answer with one short line saying so.';

export function cronScheduleId(sessionId: string, jobId: string): string {
  return `cron-${sessionWorkflowId(sessionId)}-${jobId}`;
}

export function heartbeatScheduleId(sessionId: string): string {
  return `heartbeat-${sessionWorkflowId(sessionId)}`;
}

/** A job id that is the same on every retry of the same tool call. */
export function jobIdFor(turnId: string, toolCallId: string): string {
  return createHash('sha256').update(`${turnId}\n${toolCallId}`).digest('hex').slice(0, 8);
}

export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
}

/** What the operator allows the model to schedule (config `tools.cron`). */
export interface JobLimits {
  /** Jobs one session may have at once. */
  maxJobsPerSession: number;
  /** The shortest interval between two firings of one job. */
  minIntervalSeconds: number;
}

export const DEFAULT_JOB_LIMITS: JobLimits = { maxJobsPerSession: 10, minIntervalSeconds: 60 };

export interface AddJobRequest {
  session: SessionStartInput;
  taskQueue: string;
  jobId: string;
  args: CronArgs;
  /**
   * Schedules the session added so recently that Temporal's schedule list (a visibility query,
   * updated asynchronously) may not show them yet: they count against the cap all the same.
   */
  recentScheduleIds?: readonly string[];
  limits?: JobLimits;
  now?: Date;
}

/** Creates a job's schedule (idempotent: a retry of the same job finds it already there). */
export async function addSessionJob(client: Client, req: AddJobRequest): Promise<SessionJob> {
  const { args, session } = req;
  const limits = req.limits ?? DEFAULT_JOB_LIMITS;
  if (!args.message) throw new InvalidJobError('add needs message: the text this session receives when the job fires');
  const timing = jobTiming(args, req.now ?? new Date(), limits.minIntervalSeconds);
  const scheduleId = cronScheduleId(session.sessionId, req.jobId);
  const listed = (await listSessionJobs(client, session.sessionId)).filter((job) => job.kind !== 'heartbeat');
  const existing = new Set([...listed.map((job) => job.scheduleId), ...(req.recentScheduleIds ?? [])]);
  if (existing.size >= limits.maxJobsPerSession && !existing.has(scheduleId)) {
    throw new InvalidJobError(
      `this session already has ${existing.size} jobs, the most allowed (${limits.maxJobsPerSession}); remove one first (action=list shows them)`,
    );
  }
  const memo: JobMemo = {
    kind: timing.kind,
    sessionId: session.sessionId,
    sessionWorkflowId: sessionWorkflowId(session.sessionId),
    jobId: req.jobId,
    schedule: timing.description,
    message: args.message,
  };
  const input: ScheduledMessageInput = {
    session,
    taskQueue: req.taskQueue,
    text: `[Scheduled job ${req.jobId}] ${args.message}`,
    scheduleId,
    jobId: req.jobId,
    oneShot: timing.kind === 'at',
  };
  await createIfAbsent(client, scheduleOptions(scheduleId, req.taskQueue, timing.spec, input, memo, timing.kind === 'at'));
  return { ...memo, scheduleId, paused: false };
}

export interface HeartbeatRequest {
  session: SessionStartInput;
  taskQueue: string;
  everySeconds: number;
}

/** Creates or replaces the session's heartbeat: every N seconds, act on HEARTBEAT.md if it exists. */
export async function setSessionHeartbeat(client: Client, req: HeartbeatRequest): Promise<SessionJob> {
  if (!Number.isInteger(req.everySeconds) || req.everySeconds < 1) {
    throw new InvalidJobError(`heartbeat interval must be a whole number of seconds ≥ 1, got ${req.everySeconds}`);
  }
  const sessionId = req.session.sessionId;
  const scheduleId = heartbeatScheduleId(sessionId);
  const memo: JobMemo = {
    kind: 'heartbeat',
    sessionId,
    sessionWorkflowId: sessionWorkflowId(sessionId),
    jobId: 'heartbeat',
    schedule: `every ${req.everySeconds}s while ${HEARTBEAT_FILE} exists`,
    message: HEARTBEAT_MESSAGE,
  };
  const input: ScheduledMessageInput = {
    session: req.session,
    taskQueue: req.taskQueue,
    text: HEARTBEAT_MESSAGE,
    scheduleId,
    jobId: 'heartbeat',
    ifFileExists: HEARTBEAT_FILE,
  };
  await removeSchedule(client, scheduleId);
  const spec: ScheduleSpec = { intervals: [{ every: `${req.everySeconds}s` }] };
  await createIfAbsent(client, scheduleOptions(scheduleId, req.taskQueue, spec, input, memo, false));
  return { ...memo, scheduleId, paused: false };
}

export async function removeSessionHeartbeat(client: Client, sessionId: string): Promise<boolean> {
  return removeSchedule(client, heartbeatScheduleId(sessionId));
}

/** Removes one of the session's cron jobs; false when there is no such job. */
export async function removeSessionJob(client: Client, sessionId: string, jobId: string): Promise<boolean> {
  if (!JOB_ID.test(jobId)) return false;
  return removeSchedule(client, cronScheduleId(sessionId, jobId));
}

/** Deletes a schedule; false when it did not exist. */
export async function removeSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return false;
    throw error;
  }
}

/** The session's jobs (cron jobs and heartbeat); all sessions' when `sessionId` is omitted. */
export async function listSessionJobs(client: Client, sessionId?: string): Promise<SessionJob[]> {
  const jobs: SessionJob[] = [];
  for await (const summary of client.schedule.list()) {
    const job = jobOf(summary);
    if (job && (sessionId === undefined || job.sessionId === sessionId)) jobs.push(job);
  }
  return jobs.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

export function formatJob(job: SessionJob): string {
  const next = job.nextRunAt ? `, next ${job.nextRunAt}` : '';
  return `${job.jobId}: ${job.schedule}${next}${job.paused ? ' (paused)' : ''} → "${job.message}"`;
}

function jobOf(summary: ScheduleSummary): SessionJob | undefined {
  const memo = summary.memo?.[MEMO_KEY] as Partial<JobMemo> | undefined;
  if (!memo || typeof memo.sessionId !== 'string' || typeof memo.jobId !== 'string') return undefined;
  const next = summary.info.nextActionTimes[0];
  return {
    kind: memo.kind ?? 'every',
    sessionId: memo.sessionId,
    sessionWorkflowId: memo.sessionWorkflowId ?? sessionWorkflowId(memo.sessionId),
    jobId: memo.jobId,
    schedule: memo.schedule ?? '',
    message: memo.message ?? '',
    scheduleId: summary.scheduleId,
    paused: summary.state.paused,
    nextRunAt: next ? next.toISOString() : undefined,
  };
}

/**
 * A lower bound on how often a cron expression may fire, from its time fields alone: a single
 * minute fires at most hourly, a single minute and hour at most daily; anything else every minute
 * (or second, with a seconds field). Conservative: it never says "less often" than the truth.
 */
function shortestCronInterval(fields: string[]): number {
  const single = (field: string | undefined): boolean => field !== undefined && /^\d+$/.test(field);
  const [minute, hour] = fields.length === 6 ? fields.slice(1, 3) : fields.slice(0, 2);
  if (fields.length === 6 && !single(fields[0])) return 1;
  if (!single(minute)) return 60;
  return single(hour) ? 86_400 : 3_600;
}

export interface JobTiming {
  kind: Exclude<JobKind, 'heartbeat'>;
  spec: ScheduleSpec;
  description: string;
}

/** When a job fires, as a schedule spec; throws InvalidJobError with what to fix. */
export function jobTiming(args: CronArgs, now: Date, minIntervalSeconds = DEFAULT_JOB_LIMITS.minIntervalSeconds): JobTiming {
  const given = [args.every_seconds !== undefined, args.cron_expr !== undefined, args.at !== undefined].filter(Boolean);
  if (given.length !== 1) {
    throw new InvalidJobError('add needs exactly one of every_seconds, cron_expr or at');
  }
  if (args.tz !== undefined && args.cron_expr === undefined) {
    throw new InvalidJobError('tz only applies to cron_expr; for at, put the offset in the ISO time (e.g. +02:00)');
  }
  if (args.every_seconds !== undefined) {
    if (args.every_seconds < minIntervalSeconds) {
      throw new InvalidJobError(`every_seconds must be at least ${minIntervalSeconds} (got ${args.every_seconds})`);
    }
    return { kind: 'every', spec: { intervals: [{ every: `${args.every_seconds}s` }] }, description: `every ${args.every_seconds}s` };
  }
  if (args.cron_expr !== undefined) {
    const fields = args.cron_expr.trim().split(/\s+/);
    // A sixth (seconds) field could fire every second: only where the operator allows that.
    const maxFields = minIntervalSeconds < 60 ? 6 : 5;
    if (fields.length < 5 || fields.length > maxFields) {
      throw new InvalidJobError(`cron_expr "${args.cron_expr}" needs 5 fields (minute hour day month weekday), e.g. "0 9 * * 1-5"`);
    }
    if (shortestCronInterval(fields) < minIntervalSeconds) {
      throw new InvalidJobError(
        `cron_expr "${args.cron_expr}" may fire more often than every ${minIntervalSeconds}s, the shortest interval allowed; fix its minute and hour fields (e.g. "0 9 * * *")`,
      );
    }
    const tz = args.tz ?? 'UTC';
    if (!isIanaTimeZone(tz)) throw new InvalidJobError(`unknown time zone "${tz}"; use an IANA name such as "Europe/Berlin"`);
    return {
      kind: 'cron',
      spec: { cronExpressions: [args.cron_expr.trim()], timezone: tz },
      description: `cron "${args.cron_expr.trim()}" (${tz})`,
    };
  }
  const at = new Date(args.at ?? '');
  if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(args.at ?? '')) {
    throw new InvalidJobError(`at "${args.at}" is not an ISO time; use e.g. "2030-01-31T09:00:00Z"`);
  }
  if (at.getTime() <= now.getTime()) {
    throw new InvalidJobError(`at ${at.toISOString()} is in the past (now is ${now.toISOString()})`);
  }
  return {
    kind: 'at',
    spec: {
      calendars: [
        {
          year: at.getUTCFullYear(),
          month: MONTHS[at.getUTCMonth()]!,
          dayOfMonth: at.getUTCDate(),
          hour: at.getUTCHours(),
          minute: at.getUTCMinutes(),
          second: at.getUTCSeconds(),
        },
      ],
      timezone: 'UTC',
    },
    description: `once at ${at.toISOString()}`,
  };
}

const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;

function scheduleOptions(
  scheduleId: string,
  taskQueue: string,
  spec: ScheduleSpec,
  input: ScheduledMessageInput,
  memo: JobMemo,
  oneShot: boolean,
): ScheduleOptions {
  return {
    scheduleId,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_MESSAGE_WORKFLOW_TYPE,
      workflowId: scheduleId,
      taskQueue,
      args: [input],
    },
    // A fire that finds the previous one still delivering waits its turn; the session queues anyway.
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 minute' },
    state: oneShot ? { remainingActions: 1, note: memo.schedule } : { note: memo.schedule },
    memo: { [MEMO_KEY]: memo },
  };
}

async function createIfAbsent(client: Client, options: ScheduleOptions): Promise<void> {
  try {
    await client.schedule.create(options);
  } catch (error) {
    if (error instanceof ScheduleAlreadyRunning) return; // a retry of the same job
    if (isInvalidArgument(error)) {
      throw new InvalidJobError(`Temporal rejected the schedule: ${(error as Error).message}`);
    }
    throw error;
  }
}

function isInvalidArgument(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    if (e.code === 3) return true; // gRPC INVALID_ARGUMENT
    e = e.cause as typeof e;
  }
  return false;
}
