import type { ProviderSettings } from '../../providers/index.js';
import type { VerifyBlock } from '../../providers/verify-settings.js';
import { parseServerAddress, type ServerAddress } from '../dns/server-address.js';
import { DEFAULT_VERIFY, type VerifySettings } from '../verify/types.js';

/** A provider's served-state check: its `verify` block over the top-level one over the defaults. */
export interface ProviderVerify extends VerifySettings {
  /** Asked whatever `servers` says: an RFC 2136 primary (read-after-write). */
  readonly always: readonly ServerAddress[];
}

export function providerVerify(settings: ProviderSettings, defaults: VerifyBlock): ProviderVerify {
  const own = settings.verify;
  const servers = own?.servers ?? defaults?.servers;
  const primary = settings.type === 'rfc2136' ? parseServerAddress(settings.server) : undefined;
  return {
    ...(servers !== undefined ? { servers } : {}),
    timeoutMs: own?.timeout ?? defaults?.timeout ?? DEFAULT_VERIFY.timeoutMs,
    mode: own?.mode ?? defaults?.mode ?? DEFAULT_VERIFY.mode,
    always: primary !== undefined ? [primary] : [],
  };
}
