import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * Decides whether web_fetch may contact a URL: http(s) only, and never an address inside the
 * agent's own network (loopback, private ranges, link-local, cloud metadata, …) unless the
 * operator allow-listed it. Hosts are normalised by WHATWG URL parsing first, which turns odd IPv4
 * spellings (`2130706433`, `0177.0.0.1`, `127.1`, `0x7f.1`) into dotted quads; literal addresses
 * are checked before DNS and every resolved address after it.
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

interface Range {
  bytes: number[];
  prefix: number;
  reason: string;
}

const V4_RANGES: Range[] = [
  v4('0.0.0.0', 8, 'a "this network" address (0.0.0.0/8)'),
  v4('10.0.0.0', 8, 'a private address (10.0.0.0/8)'),
  v4('100.64.0.0', 10, 'a carrier-grade NAT address (100.64.0.0/10)'),
  v4('127.0.0.0', 8, 'a loopback address'),
  v4('169.254.169.254', 32, 'the cloud metadata service'),
  v4('169.254.0.0', 16, 'a link-local address (169.254.0.0/16)'),
  v4('172.16.0.0', 12, 'a private address (172.16.0.0/12)'),
  v4('192.0.0.0', 24, 'an IETF protocol address (192.0.0.0/24)'),
  v4('192.0.2.0', 24, 'a documentation address'),
  v4('192.88.99.0', 24, 'a 6to4 relay address'),
  v4('192.168.0.0', 16, 'a private address (192.168.0.0/16)'),
  v4('198.18.0.0', 15, 'a benchmarking address (198.18.0.0/15)'),
  v4('198.51.100.0', 24, 'a documentation address'),
  v4('203.0.113.0', 24, 'a documentation address'),
  v4('224.0.0.0', 4, 'a multicast address'),
  v4('255.255.255.255', 32, 'the broadcast address'),
  v4('240.0.0.0', 4, 'a reserved address (240.0.0.0/4)'),
];

const V6_RANGES: Range[] = [
  v6('::1', 128, 'a loopback address'),
  v6('::', 128, 'the unspecified address'),
  v6('fd00:ec2::254', 128, 'the cloud metadata service'),
  v6('fc00::', 7, 'a unique-local (private) address (fc00::/7)'),
  v6('fe80::', 10, 'a link-local address (fe80::/10)'),
  v6('fec0::', 10, 'a site-local address (fec0::/10)'),
  v6('ff00::', 8, 'a multicast address'),
  v6('100::', 64, 'a discard-only address'),
  v6('2001:db8::', 32, 'a documentation address'),
  v6('2001::', 32, 'a Teredo tunnel address'),
  v6('64:ff9b:1::', 48, 'a local-use NAT64 address'),
];

/** Why an address may not be contacted, or undefined when it is a public address. */
export function blockedAddressReason(address: string): string | undefined {
  const kind = isIP(stripZone(address));
  if (kind === 4) return matchRange(parseV4(address), V4_RANGES);
  if (kind === 6) {
    const bytes = parseV6(stripZone(address));
    if (!bytes) return 'not a valid IP address';
    const embedded = embeddedV4(bytes);
    if (embedded) {
      const inner = matchRange(embedded.bytes, V4_RANGES);
      if (inner) return `${embedded.kind} of ${inner}`;
      if (embedded.kind === 'an IPv4-compatible form') return 'a deprecated IPv4-compatible address';
    }
    return matchRange(bytes, V6_RANGES);
  }
  return 'not a valid IP address';
}

/**
 * The operator's allow-list (`allowPrivateHosts`): hostnames (exact, case-insensitive), IP
 * addresses, or CIDR ranges. Listed hosts and addresses may be private.
 */
export class HostAllowList {
  private readonly names = new Set<string>();
  private readonly ranges: Array<{ bytes: number[]; prefix: number; family: 4 | 6 }> = [];

  constructor(entries: readonly string[] = []) {
    for (const raw of entries) {
      const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
      if (entry === '') continue;
      const [addr = '', prefixText] = entry.split('/');
      const family = isIP(addr);
      if (family === 4 || family === 6) {
        const bytes = family === 4 ? parseV4(addr) : parseV6(addr);
        const max = family === 4 ? 32 : 128;
        const prefix = prefixText === undefined ? max : Number(prefixText);
        if (!bytes || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
          throw new Error(`allowPrivateHosts: "${raw}" is not a valid address or CIDR range`);
        }
        this.ranges.push({ bytes, prefix, family });
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
    const plain = stripZone(address);
    const family = isIP(plain);
    if (family !== 4 && family !== 6) return false;
    const bytes = family === 4 ? parseV4(plain) : parseV6(plain);
    if (!bytes) return false;
    // An IPv4-mapped IPv6 address is allowed when its IPv4 form is.
    const mapped = family === 6 ? embeddedV4(bytes) : undefined;
    const asV4 = family === 4 ? bytes : mapped?.kind === 'an IPv4-mapped form' ? mapped.bytes : undefined;
    return this.ranges.some((range) => {
      const candidate = range.family === 4 ? asV4 : family === 6 ? bytes : undefined;
      return candidate !== undefined && inPrefix(candidate, range.bytes, range.prefix);
    });
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

function v4(address: string, prefix: number, reason: string): Range {
  return { bytes: parseV4(address), prefix, reason };
}

function v6(address: string, prefix: number, reason: string): Range {
  const bytes = parseV6(address);
  if (!bytes) throw new Error(`bad IPv6 constant ${address}`);
  return { bytes, prefix, reason };
}

/** Dotted quad to 4 bytes (input already validated by `isIP`). */
function parseV4(address: string): number[] {
  return address.split('.').map((part) => Number(part) & 255);
}

/** IPv6 text (optionally ending in a dotted quad) to 16 bytes. */
function parseV6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const quad = text.slice(lastColon + 1);
    if (isIP(quad) !== 4) return undefined;
    tailV4 = parseV4(quad);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const fill = 8 - head.length - tail.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  if (groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = groups.flatMap((g) => [g >> 8, g & 255]);
  if (tailV4.length === 4) bytes.splice(12, 4, ...tailV4);
  return bytes;
}

/** The IPv4 address carried inside an IPv6 one (mapped, NAT64, 6to4, compatible), if any. */
function embeddedV4(bytes: number[]): { bytes: number[]; kind: string } | undefined {
  const zeros = (from: number, to: number): boolean => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return { bytes: bytes.slice(12, 16), kind: 'an IPv4-mapped form' };
  }
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) {
    return { bytes: bytes.slice(12, 16), kind: 'a NAT64 form' };
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return { bytes: bytes.slice(2, 6), kind: 'a 6to4 form' };
  if (zeros(0, 12) && !zeros(12, 15)) return { bytes: bytes.slice(12, 16), kind: 'an IPv4-compatible form' };
  return undefined;
}

function matchRange(bytes: number[], ranges: Range[]): string | undefined {
  return ranges.find((range) => inPrefix(bytes, range.bytes, range.prefix))?.reason;
}

function inPrefix(bytes: number[], base: number[], prefix: number): boolean {
  if (bytes.length !== base.length) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const index = bit / 8;
    const take = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[index] ?? 0) & mask) !== ((base[index] ?? 0) & mask)) return false;
  }
  return true;
}
