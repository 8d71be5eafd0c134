import { z } from 'zod';
import { verifyBlock } from '../verify-settings.js';
import { secretString } from '../settings-helpers.js';
import type { ProviderCapabilities } from '../types.js';

export const azureDnsSettings = z
  .strictObject({
    type: z.literal('azuredns'),
    /** Which servers must serve what was written (see docs/design/verification.md). */
    verify: verifyBlock,
    subscriptionId: z.string().min(1),
    resourceGroup: z.string().min(1),
    /** The DNS zone's name: skips listing the resource group's zones. */
    zone: z.string().min(1).optional(),
    /** Resource Manager endpoint override (sovereign clouds, tests), e.g. https://management.usgovcloudapi.net */
    endpoint: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).optional(),
    /** Microsoft Entra authority override (sovereign clouds, tests), e.g. https://login.microsoftonline.us */
    authorityHost: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }).optional(),
    /** A service principal's client secret; otherwise DefaultAzureCredential. */
    tenantId: z.string().min(1).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: secretString.optional(),
  })
  .refine((settings) => settings.clientSecret === undefined || (settings.tenantId !== undefined && settings.clientId !== undefined), {
    error: 'clientSecret needs tenantId and clientId',
    path: ['clientSecret'],
  });
export type AzureDnsSettings = z.infer<typeof azureDnsSettings>;

/**
 * Azure DNS writes one record set per request, with no multi-set transaction: a name's A can
 * change while its AAAA write fails. Each write is conditional on the ETag that was read
 * (If-Match, or If-None-Match: * to create), so a concurrent edit is refused, never overwritten.
 */
const CAPABILITIES: ProviderCapabilities = {
  atomicity: 'rrset',
  compareAndSwap: true,
  ttl: { min: 1, max: 2_147_483_647 },
  recordTypes: ['A', 'AAAA'],
};

export function capabilitiesOf(_settings: AzureDnsSettings): ProviderCapabilities {
  return CAPABILITIES;
}
