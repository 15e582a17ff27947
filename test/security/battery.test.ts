// The hostile battery: every attack a hostile model, a hostile client or a co-tenant of the
// volume was seen to try, run against a real worker process and the scripted LLM server playing
// the model. One suite; it ends by printing how many attacks held. See docs/security.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attack } from './attack.js';
import { EXEC_ATTACKS } from './attacks/exec-attacks.js';
import { FILE_ATTACKS } from './attacks/file-attacks.js';
import { IDENTITY_ATTACKS } from './attacks/identity-attacks.js';
import { INPUT_ATTACKS } from './attacks/input-attacks.js';
import { NETWORK_ATTACKS } from './attacks/network-attacks.js';
import { SESSION_ATTACKS } from './attacks/session-attacks.js';
import { STATE_ATTACKS } from './attacks/state-attacks.js';
import { startBatteryEnv, type BatteryEnv } from './battery-env.js';

const GROUPS: Array<[string, Attack[]]> = [
  ['exec', EXEC_ATTACKS],
  ['file tools', FILE_ATTACKS],
  ['files the runtime reads', IDENTITY_ATTACKS],
  ['runtime state', STATE_ATTACKS],
  ['sessions and schedules', SESSION_ATTACKS],
  ['network and models', NETWORK_ATTACKS],
  ['input limits', INPUT_ATTACKS],
];
const TOTAL = GROUPS.reduce((sum, [, attacks]) => sum + attacks.length, 0);

let env: BatteryEnv;
const held: string[] = [];

beforeAll(async () => {
  env = await startBatteryEnv();
}, 180_000);

afterAll(async () => {
  await env?.close();
  const line = `hostile battery: ${held.length} of ${TOTAL} attacks held`;
  console.log(`\n${line}\n`);
});

for (const [group, attacks] of GROUPS) {
  describe(`hostile battery: ${group}`, () => {
    for (const attack of attacks) {
      it(attack.name, async () => {
        await attack.run(env);
        // Every attack also leaves the worker standing.
        expect(env.workerAlive()).toBe(true);
        held.push(attack.name);
      }, 120_000);
    }
  });
}
