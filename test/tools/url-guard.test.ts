import { describe, expect, it } from 'vitest';
import { HostAllowList, UrlBlockedError, blockedAddressReason, checkUrl, resolveChecked } from '../../src/tools/url-guard.js';

const none = new HostAllowList();

/** The reason checkUrl gives for a URL, or 'allowed'. */
function verdict(url: string, allow = none): string {
  try {
    checkUrl(url, allow);
    return 'allowed';
  } catch (error) {
    expect(error).toBeInstanceOf(UrlBlockedError);
    return (error as Error).message;
  }
}

describe('IPv6 forms of internal IPv4 addresses are refused', () => {
  it.each([
    // IPv4-translated (::ffff:0:0:0/96): not in the hand-written list at all
    ['http://[::ffff:0:7f00:1]/', /::ffff:0:7f00:1 is an IPv4-translated form of a loopback address/],
    ['http://[::ffff:0:127.0.0.1]/', /IPv4-translated form of a loopback address/],
    ['http://[::ffff:0:a9fe:a9fe]/', /IPv4-translated form of the cloud metadata service/],
    ['http://[::ffff:0:c0a8:101]/', /IPv4-translated form of a private address \(192\.168\.0\.0\/16\)/],
    // IPv4-mapped
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped form of a loopback address/],
    ['http://[::ffff:7f00:1]/', /IPv4-mapped form of a loopback address/],
    ['http://[0:0:0:0:0:ffff:10.0.0.1]/', /IPv4-mapped form of a private address \(10\.0\.0\.0\/8\)/],
    // IPv4-compatible (deprecated)
    ['http://[::127.0.0.1]/', /IPv4-compatible form of a loopback address/],
    ['http://[::a9fe:a9fe]/', /IPv4-compatible form of the cloud metadata service/],
    // NAT64, well-known and local-use prefixes
    ['http://[64:ff9b::7f00:1]/', /NAT64 form of a loopback address/],
    ['http://[64:ff9b::10.1.2.3]/', /NAT64 form of a private address \(10\.0\.0\.0\/8\)/],
    ['http://[64:ff9b:1::a00:1]/', /local-use NAT64 address/],
    // 6to4
    ['http://[2002:7f00:1::]/', /6to4 form of a loopback address/],
    ['http://[2002:a9fe:a9fe::1]/', /6to4 form of the cloud metadata service/],
    // Teredo: the client address is stored inverted (~127.0.0.1 = 80ff:fffe)
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', /Teredo form of a loopback address/],
    ['http://[2001:0:4136:e378:8000:63bf:3fd7:c5f7]/', /a Teredo tunnel address/],
  ])('%s', (url, why) => {
    expect(verdict(url)).toMatch(why);
  });
});

describe('blockedAddressReason', () => {
  it.each([
    // public unicast passes, also when reached through IPv6
    ['8.8.8.8', undefined],
    ['1.1.1.1', undefined],
    ['2606:4700:4700::1111', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['64:ff9b::808:808', undefined],
    ['2002:808:808::1', undefined],
    // IPv4 special ranges
    ['127.0.0.1', 'a loopback address'],
    ['10.255.0.1', 'a private address (10.0.0.0/8)'],
    ['172.31.255.255', 'a private address (172.16.0.0/12)'],
    ['192.168.0.1', 'a private address (192.168.0.0/16)'],
    ['169.254.169.254', 'the cloud metadata service'],
    ['169.254.1.1', 'a link-local address (169.254.0.0/16)'],
    ['100.100.100.200', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['0.0.0.0', 'a "this network" address (0.0.0.0/8)'],
    ['192.0.2.1', 'a reserved, benchmarking or documentation address'],
    ['198.18.0.1', 'a reserved, benchmarking or documentation address'],
    ['240.0.0.1', 'a reserved, benchmarking or documentation address'],
    ['255.255.255.255', 'the broadcast address'],
    // IPv6 special ranges
    ['::1', 'a loopback address'],
    ['::', 'the unspecified address'],
    ['fd00:ec2::254', 'the cloud metadata service'],
    ['fd12:3456::1', 'a unique-local (private) address (fc00::/7)'],
    ['fe80::1%eth0', 'a link-local address (fe80::/10)'],
    ['fec0::1', 'a site-local address (fec0::/10)'],
    ['ff02::1', 'a multicast address'],
    ['100::1', 'a discard-only address (100::/64)'],
    ['2001:db8::1', 'a reserved or documentation address'],
    ['3fff::1', 'a reserved or documentation address'],
    ['::ffff:0:808:808', 'an IPv4-translated address (::ffff:0:0:0/96)'],
    ['::808:808', 'a deprecated IPv4-compatible address (::/96)'],
    // outside global unicast: nothing public lives there
    ['::1:2:3:4', 'a reserved IPv6 address (outside 2000::/3)'],
    ['4000::1', 'a reserved IPv6 address (outside 2000::/3)'],
    // not addresses
    ['127.1', 'not a valid IP address'],
    ['example.com', 'not a valid IP address'],
  ])('%s', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });
});

describe('the operator allow-list', () => {
  it('allows listed addresses, CIDR ranges (v4 ranges also in their mapped form) and names', () => {
    const allow = new HostAllowList(['127.0.0.1', '10.0.0.0/8', '[fd00::1]', 'fe80::/10', 'Intranet.Example.']);
    expect(allow.allowsAddress('127.0.0.1')).toBe(true);
    expect(allow.allowsAddress('127.0.0.2')).toBe(false);
    expect(allow.allowsAddress('10.9.8.7')).toBe(true);
    expect(allow.allowsAddress('::ffff:10.9.8.7')).toBe(true);
    expect(allow.allowsAddress('::ffff:0:10.9.8.7')).toBe(false); // translated: not the same address
    expect(allow.allowsAddress('fd00::1')).toBe(true);
    expect(allow.allowsAddress('fe80::1234%eth0')).toBe(true);
    expect(allow.allowsAddress('192.168.1.1')).toBe(false);
    expect(allow.allowsHostname('intranet.example')).toBe(true);
    expect(verdict('http://10.1.1.1/', allow)).toBe('allowed');
    expect(verdict('http://[::ffff:10.1.1.1]/', allow)).toBe('allowed');
    expect(verdict('http://[::ffff:0:7f00:1]/', allow)).toMatch(/IPv4-translated form of a loopback address/);
    expect(verdict('http://intranet.example/', allow)).toBe('allowed');
  });

  it('refuses malformed entries with a clear message', () => {
    for (const bad of ['10.0.0.0/33', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x', 'host.example/24']) {
      expect(() => new HostAllowList([bad])).toThrow(`allowPrivateHosts: "${bad}" is not a valid address or CIDR range`);
    }
  });

  it('checks every resolved address, also in IPv6 forms', async () => {
    const checked = checkUrl('http://sneaky.example/', none);
    const lookup = async (): Promise<Array<{ address: string; family: number }>> => [
      { address: '2606:4700:4700::1111', family: 6 },
      { address: '::ffff:0:7f00:1', family: 6 },
    ];
    await expect(resolveChecked(checked, none, lookup)).rejects.toThrow(
      /sneaky\.example is an IPv4-translated form of a loopback address \(it resolves to ::ffff:0:7f00:1\)/,
    );
    const allowed = new HostAllowList(['sneaky.example']);
    await expect(resolveChecked(checkUrl('http://sneaky.example/', allowed), allowed, lookup)).resolves.toEqual({
      address: '2606:4700:4700::1111',
      family: 6,
    });
  });
});
