/**
 * Where Portti may send requests of its own (SSRF policy). Sources, trust-group documents,
 * guardianship sources, registered JWKS URLs and webhooks are vetted by an administrator and
 * typically live on private networks, so loopback and private addresses stay allowed. Refused
 * everywhere: schemes other than http(s), credentials in the URL, and link-local addresses —
 * where cloud metadata services answer (169.254.169.254, fd00:ec2::254, 100.100.100.200) and
 * which no data source has a reason to use. Names resolving to such addresses are refused at
 * connection time too ({@link guardedLookup}), and the gateway never follows redirects.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

/** True for addresses no outbound request may go to (link-local, unspecified, metadata). */
export function isForbiddenAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip)?.[1];
  if (mapped) return isForbiddenAddress(mapped);
  // IPv4-mapped in hex form, as the URL parser writes it (::ffff:a9fe:a9fe)
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(ip);
  if (hex) {
    const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return isForbiddenAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return (a === 169 && b === 254) || a === 0 || ip === '100.100.100.200';
  }
  if (isIP(ip) === 6) return /^fe[89ab]/.test(ip) || ip === '::' || ip === 'fd00:ec2::254';
  return false;
}

/** Why `value` may not be used as an outbound URL, or undefined when it may. */
export function outboundUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not allowed (http or https only)`;
  if (url.username || url.password) return 'must not carry credentials (configure upstream auth instead)';
  // the WHATWG parser has already normalised 2852039166, 0xa9fea9fe, 0251.0376.0251.0376 … to dotted form
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return `host ${host} is a cloud metadata service`;
  if (isForbiddenAddress(host)) return `host ${host} is a link-local or unspecified address (cloud metadata lives there)`;
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` for outbound connections that refuses names resolving to forbidden
 * addresses (DNS rebinding towards a metadata service). `resolve` is injectable for tests.
 */
export function guardedLookup(resolve: typeof dnsLookup = dnsLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const list = addresses as LookupAddress[];
      if (list.some((a) => isForbiddenAddress(a.address))) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to a forbidden address`);
        refused.code = 'EADDRNOTAVAIL';
        return callback(refused, '');
      }
      if (options.all) return callback(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}
