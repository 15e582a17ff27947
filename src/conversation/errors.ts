/** Typed errors of the conversation store (stable `name`s so they survive serialisation). */

/** Another writer held a session (or consolidation) lock for longer than we could wait. */
export class SessionLockTimeoutError extends Error {
  override readonly name = 'SessionLockTimeoutError';
  constructor(
    message: string,
    readonly lockPath: string,
  ) {
    super(message);
  }
}

/** A skill name that is not a plain directory name (path traversal, separators, …). */
export class InvalidSkillNameError extends Error {
  override readonly name = 'InvalidSkillNameError';
  constructor(readonly skillName: string) {
    super(
      `Invalid skill name ${JSON.stringify(skillName)}: use letters, digits, ".", "_" or "-" ` +
        '(the name of a folder under skills/), without path separators or "..".',
    );
  }
}

/** The model did not answer the consolidation request with a usable `save_memory` call. */
export class ConsolidationError extends Error {
  override readonly name = 'ConsolidationError';
}
