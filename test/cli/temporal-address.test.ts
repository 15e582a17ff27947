// --temporal-url, TEMPORAL_ADDRESS and temporal.address take host:port or an http(s) URL.
import { describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/temporal/connection.js';
import { parseTemporalAddress, TemporalAddressError } from '../../src/temporal/temporal-address.js';

describe('parseTemporalAddress', () => {
  it('takes host:port as it is', () => {
    expect(parseTemporalAddress('localhost:7233')).toEqual({ address: 'localhost:7233', tls: undefined });
    expect(parseTemporalAddress(' ns.acct.tmprl.cloud:7233 ')).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: undefined });
  });

  it('strips http:// and https:// (which turns TLS on), a trailing slash too, and gives a URL without a port 7233', () => {
    expect(parseTemporalAddress('http://127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233', tls: undefined });
    expect(parseTemporalAddress('https://ns.acct.tmprl.cloud:7233/')).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: true });
    expect(parseTemporalAddress('HTTP://Temporal.Example')).toEqual({ address: 'temporal.example:7233', tls: undefined });
    expect(parseTemporalAddress('http://temporal:80')).toEqual({ address: 'temporal:80', tls: undefined });
    expect(parseTemporalAddress('https://[::1]:7233')).toEqual({ address: '[::1]:7233', tls: true });
  });

  it.each([
    ['grpc://localhost:7233', 'the scheme "grpc://" is not one Temporal speaks'],
    ['http://localhost:7233/api', 'without a path'],
    ['https://user:pw@host:7233', 'credentials do not belong in the address'],
    ['local host:7233', 'give host:port, http://host:port or https://host:port'],
  ])('refuses %s, saying what it takes', (text, why) => {
    expect(() => parseTemporalAddress(text, '--temporal-url')).toThrow(TemporalAddressError);
    expect(() => parseTemporalAddress(text, '--temporal-url')).toThrow(why);
    expect(() => parseTemporalAddress(text, '--temporal-url')).toThrow(`--temporal-url "${text}" is not a Temporal address`);
  });

  it('resolveConnection applies it to whichever source wins, and https implies TLS', () => {
    expect(resolveConnection({ address: 'https://temporal.example:7233' })).toMatchObject({ address: 'temporal.example:7233', tls: true });
    expect(resolveConnection({}, { address: 'http://from-config:7233' })).toMatchObject({ address: 'from-config:7233' });
    expect(() => resolveConnection({}, { address: 'ftp://x' })).toThrow('temporal.address "ftp://x" is not a Temporal address');
  });
});
