/** The configuration could not be loaded. `issues` lists each problem as `where: what`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: string[];
  /** The config file involved, when there was one. */
  readonly filePath: string | undefined;

  constructor(issues: string[], filePath?: string) {
    const source = filePath ? ` in ${filePath}` : '';
    const list = issues.map((issue) => `  - ${issue}`).join('\n');
    super(`Invalid configuration${source}:\n${list}\nFix the values above (see docs/workspace-and-config.md) and start again.`);
    this.issues = issues;
    this.filePath = filePath;
  }
}
