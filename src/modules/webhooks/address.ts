import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhooksConfig } from '../../config';

/**
 * Addresses a webhook must not reach unless WEBHOOK_ALLOW_PRIVATE_URLS=true: the gateway's
 * own machine and networks (SSRF). IPv4-mapped IPv6 addresses are checked as IPv4.
 */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // unspecified / "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local (cloud metadata)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 (reaches IPv4 behind it)
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** A URL a webhook may take: absolute, http(s) (https only in production), no credentials in it. */
export function urlShapeAllowed(raw: string, config: WebhooksConfig): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !config.httpsOnly)) return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url;
}

export interface VettedTarget {
  url: URL;
  /** The one address the request connects to (checked here; no second DNS answer is used). */
  address: string;
  family: 4 | 6;
}

/**
 * Resolves the URL's host and checks every address it resolves to (one private answer is
 * enough to refuse: a resolver may hand out any of them). Returns the address to connect to,
 * so the request does not resolve again (DNS rebinding). Undefined when refused.
 */
export async function vetTarget(raw: string, config: WebhooksConfig): Promise<VettedTarget | undefined> {
  const url = urlShapeAllowed(raw, config);
  if (!url) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(host) !== 0 ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  } catch {
    return undefined;
  }
  if (addresses.length === 0) return undefined;
  if (!config.allowPrivateUrls && addresses.some((a) => isPrivateAddress(a.address))) return undefined;
  return { url, address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
}
