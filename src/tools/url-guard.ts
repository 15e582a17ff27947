import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/**
 * Decides whether web_fetch may contact a URL: http(s) only, and never an address inside the
 * agent's own network (loopback, private ranges, link-local, cloud metadata, …) unless the
 * operator allow-listed it. Hosts are normalised by WHATWG URL parsing first, which turns odd IPv4
 * spellings (`2130706433`, `0177.0.0.1`, `127.1`, `0x7f.1`) into dotted quads; literal addresses
 * are checked before DNS and every resolved address after it. Addresses are classified with
 * ipaddr.js's special-purpose ranges: only public unicast passes, and an IPv6 address that
 * carries an IPv4 one (mapped, translated, compatible, NAT64, 6to4, Teredo) is judged by it too.
 */

/** A URL or address was refused; the message is safe to show to the model. */
export class UrlBlockedError extends Error {
  override readonly name = 'UrlBlockedError';
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to every address it has (injectable for tests). */
export type HostLookup = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** Hostnames refused by name: cloud metadata services and local names. */
const BLOCKED_HOSTNAMES = new Set([
  'localhost',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
]);
const BLOCKED_SUFFIXES = ['.localhost', '.internal', '.local'];

/** Special ranges by ipaddr.js's name (its `range()`); anything but `unicast` is refused. */
const V4_REASONS: Record<string, string> = {
  unspecified: 'a "this network" address (0.0.0.0/8)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address (224.0.0.0/4)',
  linkLocal: 'a link-local address (169.254.0.0/16)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  reserved: 'a reserved, benchmarking or documentation address',
  as112: 'an AS112 DNS sink address',
  amt: 'an AMT relay address',
};
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

const V6_REASONS: Record<string, string> = {
  unspecified: 'the unspecified address',
  loopback: 'a loopback address',
  linkLocal: 'a link-local address (fe80::/10)',
  multicast: 'a multicast address',
  uniqueLocal: 'a unique-local (private) address (fc00::/7)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
  discard: 'a discard-only address (100::/64)',
  rfc6145: 'an IPv4-translated address (::ffff:0:0:0/96)',
  rfc6052: 'a local-use NAT64 address (64:ff9b:1::/48)',
  teredo: 'a Teredo tunnel address (2001::/32)',
  benchmarking: 'a benchmarking address',
  reserved: 'a reserved or documentation address',
};

/** Cloud metadata endpoints, named as such (their ranges are blocked anyway). */
const METADATA = [ipaddr.parse('169.254.169.254'), ipaddr.parse('fd00:ec2::254')];
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96');
/** Global unicast: the only IPv6 space with public addresses in it. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** Why an address may not be contacted, or undefined when it is a public unicast address. */
export function blockedAddressReason(address: string): string | undefined {
  const ip = parseAddress(address);
  if (!ip) return 'not a valid IP address';
  return ip.kind() === 'ipv4' ? v4Reason(ip as IPv4) : v6Reason(ip as IPv6);
}

/**
 * The operator's allow-list (`allowPrivateHosts`): hostnames (exact, case-insensitive), IP
 * addresses, or CIDR ranges. Listed hosts and addresses may be private.
 */
export class HostAllowList {
  private readonly names = new Set<string>();
  private readonly ranges: Array<[IPv4 | IPv6, number]> = [];

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
      if (entry === '') continue;
      const [addr = '', prefixText, ...rest] = entry.split('/');
      const ip = parseAddress(addr);
      if (ip) {
        const max = ip.kind() === 'ipv4' ? 32 : 128;
        const prefix = prefixText === undefined ? max : Number(prefixText);
        if (rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max) {
          throw new Error(`allowPrivateHosts: "${raw}" is not a valid address or CIDR range`);
        }
        this.ranges.push([ip, prefix]);
      } else if (prefixText !== undefined) {
        throw new Error(`allowPrivateHosts: "${raw}" is not a valid address or CIDR range`);
      } else {
        this.names.add(normaliseHostname(entry));
      }
    }
  }

  get isEmpty(): boolean {
    return this.names.size === 0 && this.ranges.length === 0;
  }

  allowsHostname(hostname: string): boolean {
    return this.names.has(normaliseHostname(hostname));
  }

  allowsAddress(address: string): boolean {
    const ip = parseAddress(address);
    if (!ip) return false;
    // An IPv4-mapped IPv6 address is allowed when its IPv4 form is.
    const forms: Array<IPv4 | IPv6> = [ip];
    if (ip.kind() === 'ipv6' && (ip as IPv6).isIPv4MappedAddress()) forms.push((ip as IPv6).toIPv4Address());
    return forms.some((form) => this.ranges.some(([base, prefix]) => base.kind() === form.kind() && form.match(base, prefix)));
  }
}

export interface CheckedUrl {
  url: URL;
  /** Hostname without IPv6 brackets or a trailing dot. */
  host: string;
  /** Set when the host is an IP literal (already checked). */
  literal: ResolvedAddress | undefined;
}

/** Parses and checks a URL before any network activity. */
export function checkUrl(raw: string | URL, allow: HostAllowList): CheckedUrl {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw.trim()) : new URL(raw.href);
  } catch {
    throw new UrlBlockedError(`"${String(raw)}" is not a valid URL; pass an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UrlBlockedError(`${url.protocol} URLs are not fetched; only http:// and https:// URLs are allowed`);
  }
  if (url.username || url.password) {
    throw new UrlBlockedError('URLs with a user name or password are not fetched; remove the credentials from the URL');
  }
  const host = normaliseHostname(url.hostname.replace(/^\[|\]$/g, ''));
  if (host === '') throw new UrlBlockedError(`"${url.href}" has no host`);
  const family = isIP(stripZone(host));
  if (family === 4 || family === 6) {
    if (!allow.allowsHostname(host) && !allow.allowsAddress(host)) {
      const reason = blockedAddressReason(host);
      if (reason) throw blockedError(url, host, reason);
    }
    return { url, host, literal: { address: host, family } };
  }
  if (!allow.allowsHostname(host) && isBlockedHostname(host)) {
    throw blockedError(url, host, 'a local or cloud-metadata host name');
  }
  return { url, host, literal: undefined };
}

/**
 * Resolves a checked URL's host and checks EVERY address it resolves to (one private answer is
 * enough to refuse: a rebinding attacker controls which one a client would pick). Returns the
 * address to connect to; the caller pins it so DNS cannot be asked again.
 */
export async function resolveChecked(checked: CheckedUrl, allow: HostAllowList, lookup: HostLookup): Promise<ResolvedAddress> {
  if (checked.literal) return checked.literal;
  let answers: Array<{ address: string; family: number }>;
  try {
    answers = await lookup(checked.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new UrlBlockedError(`could not resolve ${checked.host} (${code}); check the URL`);
  }
  if (answers.length === 0) throw new UrlBlockedError(`${checked.host} did not resolve to any address`);
  const hostAllowed = allow.allowsHostname(checked.host);
  for (const answer of answers) {
    if (hostAllowed || allow.allowsAddress(answer.address)) continue;
    const reason = blockedAddressReason(answer.address);
    if (reason) throw blockedError(checked.url, checked.host, `${reason} (it resolves to ${answer.address})`);
  }
  const first = answers[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function blockedError(url: URL, host: string, reason: string): UrlBlockedError {
  return new UrlBlockedError(
    `refused to fetch ${url.href}: ${host} is ${reason}. web_fetch only reaches public internet hosts; ` +
      'if this host is meant to be reachable, the operator can add it to tools.web.fetch.allowPrivateHosts',
  );
}

function isBlockedHostname(host: string): boolean {
  return BLOCKED_HOSTNAMES.has(host) || BLOCKED_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

function normaliseHostname(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '');
}

function stripZone(address: string): string {
  const at = address.indexOf('%');
  return at === -1 ? address : address.slice(0, at);
}

function v4Reason(ip: IPv4): string | undefined {
  if (isMetadata(ip)) return 'the cloud metadata service';
  const range = ip.range();
  if (range === 'unicast') return undefined;
  if (range === 'private') {
    const cidr = PRIVATE_V4.find((text) => ip.match(ipaddr.IPv4.parseCIDR(text)));
    return `a private address (${cidr ?? 'RFC 1918'})`;
  }
  return V4_REASONS[range] ?? `a special-purpose address (${range})`;
}

function v6Reason(ip: IPv6): string | undefined {
  if (isMetadata(ip)) return 'the cloud metadata service';
  const embedded = embeddedV4(ip);
  if (embedded) {
    const inner = v4Reason(embedded.v4);
    if (inner) return `${embedded.form} of ${inner}`;
    if (embedded.refused) return embedded.refused;
    return undefined; // a public IPv4 address reached through IPv6
  }
  const range = ip.range();
  if (range !== 'unicast') return V6_REASONS[range] ?? `a special-purpose address (${range})`;
  if (!ip.match(GLOBAL_UNICAST)) return 'a reserved IPv6 address (outside 2000::/3)';
  return undefined;
}

/**
 * The IPv4 address an IPv6 one carries, for the forms that reach it: mapped and the NAT64
 * well-known prefix and 6to4 may carry a public one; translated, IPv4-compatible and Teredo
 * addresses are refused whatever they carry (`refused` says why).
 */
function embeddedV4(ip: IPv6): { v4: IPv4; form: string; refused?: string } | undefined {
  const p = ip.parts;
  const quad = (high: number, low: number): IPv4 => new ipaddr.IPv4([high >> 8, high & 255, low >> 8, low & 255]);
  const last = quad(p[6] ?? 0, p[7] ?? 0);
  switch (ip.range()) {
    case 'ipv4Mapped':
      return { v4: ip.toIPv4Address(), form: 'an IPv4-mapped form' };
    case 'rfc6145':
      return { v4: last, form: 'an IPv4-translated form', refused: V6_REASONS['rfc6145'] };
    case 'rfc6052':
      return ip.match(NAT64_WELL_KNOWN) ? { v4: last, form: 'a NAT64 form' } : undefined;
    case '6to4':
      return { v4: quad(p[1] ?? 0, p[2] ?? 0), form: 'a 6to4 form' };
    case 'teredo': // the client address is stored inverted
      return { v4: quad(~(p[6] ?? 0) & 0xffff, ~(p[7] ?? 0) & 0xffff), form: 'a Teredo form', refused: V6_REASONS['teredo'] };
    case 'unicast':
      // ::a.b.c.d (:: and ::1 have ranges of their own)
      return p.slice(0, 6).every((part) => part === 0)
        ? { v4: last, form: 'an IPv4-compatible form', refused: 'a deprecated IPv4-compatible address (::/96)' }
        : undefined;
    default:
      return undefined;
  }
}

function isMetadata(ip: IPv4 | IPv6): boolean {
  return METADATA.some((known) => known.kind() === ip.kind() && ip.match(known, ip.kind() === 'ipv4' ? 32 : 128));
}

/**
 * Strict parse: only what `net.isIP` accepts (no `127.1` or octal spellings). IPv6 text goes
 * through WHATWG URL normalisation first: ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d`.
 */
function parseAddress(address: string): IPv4 | IPv6 | undefined {
  const plain = stripZone(address);
  const family = isIP(plain);
  try {
    if (family === 4) return ipaddr.IPv4.parse(plain);
    if (family === 6) return ipaddr.IPv6.parse(new URL(`http://[${plain}]/`).hostname.slice(1, -1));
  } catch {
    // not an address after all
  }
  return undefined;
}
