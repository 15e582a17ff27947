// Where the keys come from (environment, a mounted JSON file) and the start-up errors for bad
// ones: each names the source and the key id, and never prints key bytes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { EncryptionConfigError, EncryptionKeyRing } from '../../src/encryption/encryption-key-ring.js';
import { loadEncryptionKeys, type EncryptionSettings } from '../../src/encryption/load-encryption-keys.js';
import { testKey } from './keys.js';

const keyA = testKey('2026-01');
const keyB = testKey('2026-05');
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exoclaw-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function load(env: Record<string, string>, settings: EncryptionSettings = {}): EncryptionKeyRing | undefined {
  return loadEncryptionKeys(settings, { env, cwd: dir });
}

/** The error's issues, checked to contain no key material. */
function issuesOf(fn: () => unknown, ...keyMaterial: string[]): string[] {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(EncryptionConfigError);
  const error = caught as EncryptionConfigError;
  expect(error.message).toContain('docs/security.md');
  for (const secret of [keyA.base64, keyB.base64, ...keyMaterial]) {
    expect(error.message).not.toContain(secret.slice(0, 12));
  }
  return error.issues;
}

async function keysFile(content: unknown): Promise<string> {
  const path = join(dir, 'keys.json');
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loadEncryptionKeys', () => {
  it('is off (undefined) when no keys are configured', () => {
    expect(load({})).toBeUndefined();
    expect(load({ EXOCLAW_ENCRYPTION_KEYS: '  ' })).toBeUndefined();
  });

  it('reads EXOCLAW_ENCRYPTION_KEYS; one key is active by itself', () => {
    const ring = load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64}` })!;
    expect(ring.activeKeyId).toBe('2026-01');
    expect(ring.keyIds).toEqual(['2026-01']);
    expect(ring.activeKey.export().equals(keyA.bytes)).toBe(true);
  });

  it('reads several keys (commas or whitespace) with the active one named', () => {
    const ring = load(
      { EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64}, ${keyB.id}:${keyB.base64}\n` },
      { activeKey: '2026-05' },
    )!;
    expect(ring.activeKeyId).toBe('2026-05');
    expect(ring.keyIds).toEqual(['2026-01', '2026-05']);
    expect(ring.key('2026-01')?.export().equals(keyA.bytes)).toBe(true);
  });

  it('reads a JSON keys file (relative to cwd) with its activeKey; the setting overrides it', async () => {
    await keysFile({ activeKey: '2026-01', keys: { [keyA.id]: keyA.base64, [keyB.id]: keyB.base64 } });
    expect(load({}, { keysFile: 'keys.json' })!.activeKeyId).toBe('2026-01');
    expect(load({}, { keysFile: join(dir, 'keys.json'), activeKey: '2026-05' })!.activeKeyId).toBe('2026-05');
  });

  it('takes the file and the active key from the config, through their environment variables', async () => {
    const path = await keysFile({ keys: { [keyA.id]: keyA.base64, [keyB.id]: keyB.base64 } });
    const config = loadConfig({
      env: { HOME: dir, EXOCLAW_ENCRYPTION_KEYS_FILE: path, EXOCLAW_ENCRYPTION_ACTIVE_KEY: '2026-05', EXOCLAW_ENCRYPT_BLOBS: 'off' },
      onWarning: () => undefined,
    });
    expect(config.security.encryption).toMatchObject({ keysFile: path, activeKey: '2026-05', blobs: false });
    expect(load({}, config.security.encryption)!.activeKeyId).toBe('2026-05');
    expect(loadConfig({ env: { HOME: dir }, onWarning: () => undefined }).security.encryption.blobs).toBe(true);
  });

  it('refuses key bytes in the config file instead of ignoring them', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ security: { encryption: { keys: `${keyA.id}:${keyA.base64}` } } }));
    const error = (() => {
      try {
        loadConfig({ path, env: { HOME: dir }, onWarning: () => undefined });
      } catch (caught) {
        return caught as ConfigError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('security.encryption.keys: key bytes do not belong in the config file');
    expect(error!.message).not.toContain(keyA.base64.slice(0, 12));
  });

  it('says which key is not 32 bytes, without printing it', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const issues = issuesOf(() => load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64},short:${short}` }), short);
    expect(issues).toEqual([
      'EXOCLAW_ENCRYPTION_KEYS: key id "short" is 16 bytes; AES-256 needs 32 random bytes, base64-encoded (make one with `openssl rand -base64 32`)',
    ]);
  });

  it('reports every malformed entry at once', () => {
    const issues = issuesOf(() =>
      load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.base64},bad/id:${keyB.base64},2026-05:not_base64,${keyA.id}:${keyA.base64},${keyA.id}:${keyB.base64}` }),
    );
    expect(issues).toEqual([
      'EXOCLAW_ENCRYPTION_KEYS: entry 1 is not "<key id>:<base64 key>"',
      expect.stringContaining('EXOCLAW_ENCRYPTION_KEYS: key id "bad/id": a key id is 1-64 characters'),
      expect.stringContaining('EXOCLAW_ENCRYPTION_KEYS: key id "2026-05" is not base64'),
      'EXOCLAW_ENCRYPTION_KEYS: key "2026-01" is listed twice',
    ]);
  });

  it('asks which key is active when several are listed', () => {
    const issues = issuesOf(() => load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64},${keyB.id}:${keyB.base64}` }));
    expect(issues).toEqual([
      'EXOCLAW_ENCRYPTION_KEYS lists 2 keys ("2026-01", "2026-05"); say which one encrypts with EXOCLAW_ENCRYPTION_ACTIVE_KEY',
    ]);
  });

  it('rejects an active key that is not listed, and an active key without keys', () => {
    expect(issuesOf(() => load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64}` }, { activeKey: 'nope' }))).toEqual([
      'the active key "nope" is not among the keys ("2026-01")',
    ]);
    expect(issuesOf(() => load({}, { activeKey: '2026-01' }))[0]).toContain('an active key is set');
  });

  it('rejects both sources at once', async () => {
    const path = await keysFile({ keys: { [keyA.id]: keyA.base64 } });
    expect(issuesOf(() => load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64}` }, { keysFile: path }))[0]).toContain(
      'use one of them',
    );
  });

  it('explains a missing, broken or misshapen keys file without quoting it', async () => {
    expect(issuesOf(() => load({}, { keysFile: 'absent.json' }))[0]).toContain(`cannot read the keys file ${join(dir, 'absent.json')} (ENOENT)`);

    const broken = `{"keys": {"${keyA.id}": "${keyA.base64}"`;
    await keysFile(broken);
    expect(issuesOf(() => load({}, { keysFile: 'keys.json' }))[0]).toContain('is not valid JSON');

    await keysFile({ keys: { [keyA.id]: 42 }, active: keyA.id });
    const issues = issuesOf(() => load({}, { keysFile: 'keys.json' }));
    expect(issues.join('\n')).toContain('keys.key id "2026-01"');
    expect(issues.join('\n')).toContain('unknown field');

    await keysFile({ keys: {} });
    expect(issuesOf(() => load({}, { keysFile: 'keys.json' }))[0]).toContain('has no keys');
  });

  it('never shows key bytes through JSON, inspect or string conversion', () => {
    const ring = load({ EXOCLAW_ENCRYPTION_KEYS: `${keyA.id}:${keyA.base64}` })!;
    const shown = [JSON.stringify(ring), inspect(ring, { depth: 10, showHidden: true }), String(ring), JSON.stringify({ ring })];
    for (const text of shown) {
      expect(text).not.toContain(keyA.base64.slice(0, 12));
      expect(text).not.toContain(keyA.bytes.toString('hex').slice(0, 16));
    }
    expect(JSON.parse(JSON.stringify(ring))).toEqual({ activeKeyId: '2026-01', keyIds: ['2026-01'] });
  });
});
