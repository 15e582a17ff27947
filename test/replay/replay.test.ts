// Determinism guard: histories exported from real runs (scripts/record-replay-histories.ts)
// must replay against today's workflow code. A change that alters what the workflow does for
// an existing history fails here instead of breaking running turns after a deploy.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { agentBundleOptions, replayTelemetryOptions } from '../../src/telemetry/worker-telemetry.js';
import { historyFromJson } from '../../src/temporal/history-json.js';
// Installs the quiet test runtime logger before the replay workers start.
import '../helpers/temporal.js';

const here = dirname(fileURLToPath(import.meta.url));
const historiesDir = join(here, 'histories');
const files = readdirSync(historiesDir).filter((name) => name.endsWith('.json')).sort();

function loadHistory(file: string) {
  return historyFromJson(readFileSync(join(historiesDir, file), 'utf8'));
}

describe('replaying committed AgentTurnWorkflow histories', () => {
  it('has histories for the main paths of a turn', () => {
    expect(files.map((file) => basename(file, '.json'))).toEqual(
      expect.arrayContaining(['plain-answer', 'tool-call', 'parallel-tools', 'max-iterations', 'cancelled']),
    );
  });

  it('replays every committed history without a determinism error', async () => {
    const results: { workflowId: string; error: string | undefined }[] = [];
    const replays = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, ...replayTelemetryOptions() },
      files.map((file) => ({ workflowId: basename(file, '.json'), history: loadHistory(file) })),
    );
    for await (const result of replays) {
      results.push({ workflowId: result.workflowId, error: result.error?.message });
    }
    expect(results).toEqual(files.map((file) => ({ workflowId: basename(file, '.json'), error: undefined })));
  });

  it('fails when the workflow calls the same activities in a different order', async () => {
    // The one extra bundle of the run: a variant that calls llmChat before buildPrompt.
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(here, 'fixtures', 'reordered-workflows.ts'),
      ...agentBundleOptions(),
      logger: new DefaultLogger('WARN'),
    });
    const replay = Worker.runReplayHistory({ workflowBundle: { code }, ...replayTelemetryOptions() }, loadHistory('tool-call.json'), 'reordered');
    await expect(replay).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(replay).rejects.toThrow(/buildPrompt|llmChat/);
  });
});
