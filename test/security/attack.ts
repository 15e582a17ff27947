import type { BatteryEnv } from './battery-env.js';

/** One attack of the hostile battery: it passes when the defence held. */
export interface Attack {
  /** What the attacker tries, and what must hold. */
  name: string;
  run(env: BatteryEnv): Promise<void>;
}

/** The text of `value` never contains any of the canaries. */
export function leakFree(text: string, env: BatteryEnv): boolean {
  return !text.includes(env.canaries.env) && !text.includes(env.canaries.config);
}
