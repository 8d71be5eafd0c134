import net from 'node:net';
import { z } from 'zod';
import { duration } from '../src/config/duration.js';
import { isHostname } from '../src/lib/names.js';

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address; host an IP literal or a host name. */
function isServerText(text: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return net.isIPv6(bracketed[1]!) && validPort(bracketed[2]);
  if (net.isIPv6(text)) return true;
  const m = /^([^:]+)(?::(\d+))?$/.exec(text);
  return m !== null && (net.isIPv4(m[1]!) || isHostname(m[1]!)) && validPort(m[2]);
}

function validPort(text: string | undefined): boolean {
  return text === undefined || (Number(text) >= 1 && Number(text) <= 65535);
}

/**
 * The `verify` block, the same for every provider and for the top-level default: which servers
 * must serve what was written, how long a write may take to reach them all, and what a record
 * that does not reach them does to the run.
 */
export const verifyBlock = z
  .strictObject({
    servers: z
      .array(z.string().refine(isServerText, { error: 'expected host or host:port (an IP address or a host name; [IPv6]:port)' }))
      .min(1, { error: "lists no server (leave it out to ask the zone's NS set)" })
      .optional(),
    timeout: duration.optional(),
    mode: z.enum(['require', 'report', 'off'], { error: 'expected require, report or off' }).optional(),
  })
  .optional();
export type VerifyBlock = z.infer<typeof verifyBlock>;
