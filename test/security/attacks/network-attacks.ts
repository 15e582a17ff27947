// web_fetch and model routing against the worker's own network, and hostile content.
import { expect } from 'vitest';
import { applicationFailureOf } from '../../durable/workflow-failure.js';
import { leakFree, type Attack } from '../attack.js';

export const NETWORK_ATTACKS: Attack[] = [
  {
    name: 'web_fetch of loopback in many spellings (IPv4-mapped, IPv4-translated, decimal, octal, short) and cloud metadata',
    async run(env) {
      const port = env.forbidden.port;
      const urls = [
        `http://127.0.0.1:${port}/`,
        `http://[::ffff:0:7f00:1]:${port}/`,
        `http://[::ffff:127.0.0.1]:${port}/`,
        `http://[::127.0.0.1]:${port}/`,
        `http://[64:ff9b::7f00:1]:${port}/`,
        `http://2130706433:${port}/`,
        `http://0177.0.0.1:${port}/`,
        `http://127.1:${port}/`,
        'http://169.254.169.254/latest/meta-data/',
        'http://metadata.google.internal/computeMetadata/v1/',
        `http://localhost:${port}/`,
      ];
      const { result } = await env.toolTurn(
        'net-ssrf',
        urls.map((url) => ({ name: 'web_fetch', arguments: { url } })),
      );
      expect(result.finalContent.match(/Error/g)?.length).toBe(urls.length);
      expect(env.forbidden.hits()).toBe(0);
      expect(leakFree(result.finalContent, env)).toBe(true);
    },
  },
  {
    name: 'a 2 MB page of `<a "` repeated (quadratic for the old converter) converts fast on the worker',
    async run(env) {
      env.servePage('/hostile', '<a "'.repeat(512 * 1024));
      const started = Date.now();
      const { result } = await env.toolTurn('net-html', [{ name: 'web_fetch', arguments: { url: `${env.allowedOrigin}/hostile` } }]);
      const seconds = (Date.now() - started) / 1000;
      expect(result.finalContent).toContain('Content-Type: text/html');
      // The whole turn, two model calls included; the conversion alone took well under a second.
      expect(seconds).toBeLessThan(15);
    },
  },
  {
    name: 'a turn names a local model port the operator never configured (ollama/…, vllm/…)',
    async run(env) {
      const requestsBefore = env.llmRequests().length;
      for (const model of ['ollama/llama3.2', 'vllm/any-model']) {
        const handle = await env.startTurn({ sessionId: `battery-route-${model.split('/')[0]}`, message: 'hi', model });
        const failure = await applicationFailureOf(handle);
        expect(failure.type).toBe('ModelRoutingError');
        expect(failure.message).toMatch(/is not configured on this worker/);
      }
      expect(env.llmRequests().length).toBe(requestsBefore);
    },
  },
];
