// The layer boundaries in eslint.config.js are a design rule (the README's layer table), so test them:
// lint small probe snippets as if they lived in workflows/, src/core/ and src/contract/.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({
  // Probe files do not exist on disk, so the type-aware project service cannot see them;
  // the import rules under test are syntactic and need no type information.
  overrideConfig: [{ files: ['**/__probe__.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  const fatal = messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`probe did not parse: ${fatal.map((m) => m.message).join('; ')}`);
  return messages.filter((m) => m.ruleId === 'exoclaw/layer-imports').map((m) => m.message);
}

const forbiddenEverywhere = [
  "import { readFileSync } from 'fs';",
  "import { readFileSync } from 'node:fs';",
  "import { readFile } from 'node:fs/promises';",
  "import { createHash } from 'crypto';",
  "import OpenAI from 'openai';",
  "import Anthropic from '@anthropic-ai/sdk';",
  "import pino from 'pino';",
  "import { Client } from '@modelcontextprotocol/sdk/client/index.js';",
  "import { Worker } from '@temporalio/worker';",
  "import { Client } from '@temporalio/client';",
  "import { Context } from '@temporalio/activity';",
];

describe('lint boundaries: workflows/**', () => {
  const file = 'workflows/__probe__.ts';

  it.each([
    ...forbiddenEverywhere,
    "import { x } from '../src/providers/x.js';",
    "import { x } from '../src/tools/exec.js';",
    "import { loadConfig } from '../src/config.js';",
    "import { logger } from '../src/logger.js';",
    "import { createActivities } from '../activities/index.js';",
    "export { x } from '../src/runtime/x.js';",
    "import { x } from '../src/storage/blob-store.js';",
    "import { x } from '../src/schedules/session-schedules.js';",
    "import { x } from '../dev/bench/run-bench.js';",
    "import { x } from './nested/../../src/temporal/client.js';",
    "import { uniq } from 'lodash';",
    "import ms from 'ms';",
    "const m = await import('node:fs');",
  ])('rejects %s', async (code) => {
    expect(await restrictedImportErrors(file, code)).toHaveLength(1);
  });

  it.each([
    "import type { Activities } from '../activities/index.js';",
    "import { proxyActivities } from '@temporalio/workflow';",
    "import { runTurn } from '../src/core/index.js';",
    "import { TurnWorkflowInput } from '../src/contract/index.js';",
    "import { z } from 'zod';",
    "import { helper } from './helper.js';",
  ])('allows %s', async (code) => {
    expect(await restrictedImportErrors(file, code)).toEqual([]);
  });
});

describe('lint boundaries: src/core/**', () => {
  const file = 'src/core/__probe__.ts';

  it.each([
    ...forbiddenEverywhere,
    "import { x } from '../providers/x.js';",
    "import { x } from '../conversation/jsonl.js';",
    "import { x } from '../temporal/dev-server.js';",
    "import { x } from '../config.js';",
    "import { proxyActivities } from '@temporalio/workflow';",
    "import type { Duration } from '@temporalio/common';",
    "import { x } from '../contract/index.js';",
  ])('rejects %s', async (code) => {
    expect(await restrictedImportErrors(file, code)).toHaveLength(1);
  });

  it.each(["import { z } from 'zod';", "import type { Message } from './messages.js';"])(
    'allows %s',
    async (code) => {
      expect(await restrictedImportErrors(file, code)).toEqual([]);
    },
  );
});

describe('lint boundaries: src/contract/**', () => {
  const file = 'src/contract/__probe__.ts';

  it.each([
    ...forbiddenEverywhere,
    "import { proxyActivities } from '@temporalio/workflow';",
    "import { ApplicationFailure } from '@temporalio/common';",
    "import { x } from '../tools/define-tool.js';",
    "import { x } from '../../workflows/index.js';",
    "import { x } from '../../activities/index.js';",
  ])('rejects %s', async (code) => {
    expect(await restrictedImportErrors(file, code)).toHaveLength(1);
  });

  it.each([
    "import { z } from 'zod';",
    "import type { SignalDefinition } from '@temporalio/common';",
    "import type { TurnProgress } from '../core/index.js';",
    "import { Duration } from './duration.js';",
  ])('allows %s', async (code) => {
    expect(await restrictedImportErrors(file, code)).toEqual([]);
  });
});

describe('lint: no-floating-promises', () => {
  it('is an error in type-checked TypeScript', async () => {
    // A real file path inside tsconfig, so the project service type-checks it.
    const [result] = await eslint.lintText('async function f() {}\nf();\n', { filePath: 'test/harness.test.ts' });
    expect(result?.messages.map((m) => m.ruleId)).toContain('@typescript-eslint/no-floating-promises');
  });
});
