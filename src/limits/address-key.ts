import ipaddr from 'ipaddr.js';

/** Addresses that do not parse share one budget: an odd proxy must not hand out fresh ones. */
const UNPARSABLE = 'unparsable';

/**
 * The guest budget an address spends: one per IPv4 address, one per IPv6 /64 (what one
 * subscriber is usually given, so its 2^64 addresses are one client), and an IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`, what a dual-stack socket reports) counted as its IPv4 address.
 * Textual variants of one address (case, zero compression, zone) give the same key, and so does
 * the address with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`), as some proxies forward it.
 */
export function guestBudgetKey(address: string): string {
  const parsed = parse(address.trim());
  if (parsed === undefined) return UNPARSABLE;
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const network = new ipaddr.IPv6([...(parsed as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toString()}/64`;
}

function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (ipaddr.isValid(address)) return ipaddr.process(address);
  // With a port: the URL parser splits host and port (brackets and all), ipaddr.js reads the host.
  const host = URL.canParse(`http://${address}`) ? new URL(`http://${address}`).hostname.replace(/^\[|\]$/g, '') : '';
  return ipaddr.isValid(host) ? ipaddr.process(host) : undefined;
}
