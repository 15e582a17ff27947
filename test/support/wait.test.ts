// The shared wait helpers: what they resolve with, and what a timeout says.
import { describe, expect, it } from 'vitest';
import { waitUntil, within } from './wait.js';

describe('waitUntil', () => {
  it('resolves with the first truthy value, from sync or async checks', async () => {
    let calls = 0;
    expect(await waitUntil('the third call', () => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 })).toEqual({ calls: 3 });
    expect(await waitUntil('an async value', async () => 'ready')).toBe('ready');
  });

  it('treats a throwing check as not yet', async () => {
    let calls = 0;
    const value = await waitUntil(
      'the check to stop throwing',
      () => {
        if (++calls < 3) throw new Error('not there yet');
        return calls;
      },
      { intervalMs: 1 },
    );
    expect(value).toBe(3);
  });

  it('times out naming what it waited for, the last value and the detail', async () => {
    const error = await waitUntil('the count to reach 10', () => 0, { timeoutMs: 50, intervalMs: 5, detail: () => 'count is 0' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Timed out after 50 ms waiting for the count to reach 10\nthe last check returned 0\ncount is 0');
  });

  it('times out with the last error as the cause', async () => {
    const boom = new Error('connection refused');
    const error = (await waitUntil('the server', () => Promise.reject(boom), { timeoutMs: 30, intervalMs: 5 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('Timed out after 30 ms waiting for the server\nthe last check threw connection refused');
    expect(error.cause).toBe(boom);
  });
});

describe('within', () => {
  it('passes the promise through', async () => {
    expect(await within(Promise.resolve(42), 'the answer')).toBe(42);
    await expect(within(Promise.reject(new Error('own failure')), 'the answer')).rejects.toThrow('own failure');
  });

  it('rejects naming what it waited for and the detail when the promise does not settle', async () => {
    await expect(within(new Promise(() => undefined), 'the reply', { timeoutMs: 20, detail: () => 'nothing printed' })).rejects.toThrow(
      'Timed out after 20 ms waiting for the reply\nnothing printed',
    );
  });
});
