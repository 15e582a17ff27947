// The dynamic config that removes the dev server's task-dispatch delay: the same values wherever
// this project starts or ships a Temporal server, and a clear error for a wrong override.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { devServerTuningFromEnv, TUNED_DEV_SERVER_DYNAMIC_CONFIG } from '../../dev/local-stack/dev-server-tuning.js';
import { startDevServer } from '../../dev/local-stack/dev-server.js';
import { ROOT } from './manifests.js';

function dynamicConfigFlags(args: readonly string[]): string[] {
  return args.flatMap((arg, i) => (args[i - 1] === '--dynamic-config-value' ? [arg] : []));
}

describe('dev server tuning', () => {
  it('is on unless EXOCLAW_DEV_SERVER_TUNING=stock, and a wrong value says what to use', () => {
    expect(devServerTuningFromEnv({})).toBe('tuned');
    expect(devServerTuningFromEnv({ EXOCLAW_DEV_SERVER_TUNING: 'stock' })).toBe('stock');
    expect(() => devServerTuningFromEnv({ EXOCLAW_DEV_SERVER_TUNING: 'fast' })).toThrow(/"tuned".*"stock"/);
  });

  it('Compose starts its dev server with the same dynamic config as npm start', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { command?: string[] }>;
    };
    expect(dynamicConfigFlags(compose.services['temporal']?.command ?? [])).toEqual([...TUNED_DEV_SERVER_DYNAMIC_CONFIG]);
  });

  it('the Kubernetes server raises the queue poll rates and allows eager activities', () => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'k8s', 'temporal', 'server.yaml'), 'utf8')).map((d) => d.toJS());
    const map = docs.find((d) => d?.kind === 'ConfigMap' && d.metadata?.name === 'temporal-dynamic-config');
    const config = parse(map.data['dynamic-config.yaml']) as Record<string, { value: unknown }[]>;
    expect(config['history.transferProcessorMaxPollRPS']?.[0]?.value).toBeGreaterThanOrEqual(200);
    expect(config['history.timerProcessorMaxPollRPS']?.[0]?.value).toBeGreaterThanOrEqual(200);
    expect(config['system.enableActivityEagerExecution']?.[0]?.value).toBe(true);
  });

  it('a dev server we start gets the tuned values, and accepts them', { timeout: 90_000 }, async () => {
    const server = await startDevServer({ tuning: 'tuned', dynamicConfigValues: ['limit.maxIDLength=300'] });
    try {
      expect(server.tuning).toBe('tuned');
      // Ours last, so they override the tuning's.
      expect(dynamicConfigFlags(server.process?.spawnargs ?? [])).toEqual([...TUNED_DEV_SERVER_DYNAMIC_CONFIG, 'limit.maxIDLength=300']);
    } finally {
      await server.stop();
    }
  });
});
