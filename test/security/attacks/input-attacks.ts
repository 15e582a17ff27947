// Limits where input enters: workflow inputs, tool output size, credentials in input.
import { expect } from 'vitest';
import { LIMITS } from '../../../src/contract/index.js';
import { applicationFailureOf } from '../../durable/workflow-failure.js';
import type { Attack } from '../attack.js';

export const INPUT_ATTACKS: Attack[] = [
  {
    name: 'turn inputs past the limits: a control character in the session id, an oversized message, too many media, a key, the reference shape\'s key and base URL, an oversized plugin context',
    async run(env) {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ sessionId: 'evil\nsession', message: 'hi' }, /sessionId: must be printable text/],
        [{ sessionId: 'x'.repeat(LIMITS.sessionIdChars + 1), message: 'hi' }, /sessionId: must be at most/],
        [{ sessionId: 'big', message: 'x'.repeat(LIMITS.messageChars + 1) }, /message: must be at most/],
        [{ sessionId: 'media', message: 'hi', media: Array.from({ length: LIMITS.mediaItems + 1 }, (_, i) => `f${i}.png`) }, /at most 32 media items/],
        [{ sessionId: 'key', message: 'hi', llm: { apiKey: 'sk-stolen' } }, /must not carry credentials/],
        // The Python reference's shape: a key, or a base URL that would carry the worker's key elsewhere.
        [{ session_id: 'ref-key', message: 'hi', llm: { model: 'm', api_key: 'sk-stolen' } }, /must not carry credentials \(found "llm\.api_key"\)/],
        [{ session_id: 'ref-base', message: 'hi', llm: { model: 'm', api_base: 'http://collector.example' } }, /llm\.api_base: is not taken from a workflow input/],
        [{ session_id: 'ref-ctx', message: 'hi', plugin_context: ['x'.repeat(LIMITS.pluginContextChars + 1)] }, /plugin_context: must be at most/],
      ];
      for (const [input, expected] of cases) {
        const handle = await env.rig.client.workflow.start('AgentTurnWorkflow', {
          taskQueue: env.rig.taskQueue,
          workflowId: `battery-input-${Math.random().toString(36).slice(2)}`,
          args: [input],
        });
        const failure = await applicationFailureOf(handle);
        expect(failure.type).toBe('InvalidInput');
        expect(failure.message).toMatch(expected);
      }
    },
  },
  {
    name: 'a tool prints 5 MB: the model and the history see a bounded preview, the rest is kept apart',
    async run(env) {
      const { result, handle } = await env.toolTurn('input-flood', [{ name: 'exec', arguments: { command: 'yes x | head -c 5000000' } }]);
      expect(result.finalContent.length).toBeLessThan(40_000);
      expect((await env.historyText(handle)).length).toBeLessThan(300_000);
    },
  },
];
