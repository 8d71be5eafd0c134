import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool, startAuthoritative, type AuthoritativeServer, type Flavour, type ServerOptions, type Setup } from './server.js';

/**
 * PowerDNS Authoritative 4.7 (`pdns_server`, foreground, no guardian) on the gsqlite3 backend,
 * with its HTTP API on another free loopback port. Set up the way docs/providers/rfc2136.md and
 * powerdns.md tell an operator to: zones loaded with `pdnsutil load-zone`, keys imported with
 * `pdnsutil import-tsig-key`, updates allowed per zone by `TSIG-ALLOW-DNSUPDATE` metadata from
 * loopback, counter serials kept by `SOA-EDIT-DNSUPDATE INCREASE`. PowerDNS cannot restrict a key
 * to names or types without a Lua policy, so the apexsync key may change the whole apex zone.
 * The security-status query is off (`security-poll-suffix=` empty): nothing leaves the machine.
 */
export interface PowerDnsExtra {
  /** The HTTP API: `url` (`http://127.0.0.1:port`) and its key. */
  readonly api: { readonly url: string; readonly key: string };
  /** Runs SQL on the backend database, as an operator editing records behind PowerDNS's back. */
  sql(statement: string): Promise<string>;
  /** Runs `pdnsutil` with this server's configuration. */
  pdnsutil(args: readonly string[]): Promise<string>;
}

export type PowerDnsServer = AuthoritativeServer & PowerDnsExtra;

const SCHEMA_CANDIDATES = ['/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql', '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql'];

export interface PowerDnsOptions {
  /**
   * Restrict the apexsync key to A/AAAA at the managed names with the Lua update policy of
   * docs/providers/rfc2136.md (which replaces the TSIG-ALLOW-DNSUPDATE checks).
   */
  readonly luaUpdatePolicy?: boolean;
}

export function powerDnsFlavour(options: PowerDnsOptions = {}): Flavour<PowerDnsExtra> {
  return {
    label: 'PowerDNS Authoritative',
    binaries: ['/usr/sbin/pdns_server', '/usr/bin/pdns_server'],
    install: 'apt-get install -y pdns-server pdns-backend-sqlite3 sqlite3',
    ready: /ready to distribute questions/i,
    portTaken: /unable to bind|address already in use/i,
    async configure(setup) {
      const apiPort = await setup.freePort();
      const apiKey = randomBytes(18).toString('base64url');
      const database = path.join(setup.dir, 'pdns.sqlite3');
      const lua = path.join(setup.dir, 'update-policy.lua');
      if (options.luaUpdatePolicy) await writeFile(lua, luaPolicy(setup));
      await writeFile(path.join(setup.dir, 'pdns.conf'), pdnsConf(setup, database, apiPort, apiKey) + (options.luaUpdatePolicy ? `lua-dnsupdate-policy-script=${lua}\n` : ''));
      const sql = (statement: string): Promise<string> => runTool('sqlite3', [database], statement);
      const pdnsutil = (args: readonly string[]): Promise<string> => runTool('pdnsutil', [`--config-dir=${setup.dir}`, ...args]);
      // Another attempt (the port was taken) starts from an empty database again.
      await rm(database, { force: true });
      const schema = SCHEMA_CANDIDATES.find((candidate) => existsSync(candidate));
      if (!schema) throw new Error('the gsqlite3 schema is missing: apt-get install -y pdns-backend-sqlite3');
      await runTool('sqlite3', [database, `.read ${schema}`]);
      for (const zone of [setup.targetZone, setup.apexZone]) await pdnsutil(['load-zone', zone, path.join(setup.dir, `${zone}.zone`)]);
      for (const key of [setup.adminKey, ...setup.apexsyncKeys]) await pdnsutil(['import-tsig-key', key.name, key.algorithm, key.secret]);
      await pdnsutil(['set-meta', setup.targetZone, 'TSIG-ALLOW-DNSUPDATE', setup.adminKey.name]);
      await pdnsutil(['set-meta', setup.apexZone, 'TSIG-ALLOW-DNSUPDATE', setup.adminKey.name, ...setup.apexsyncKeys.map((key) => key.name)]);
      for (const zone of [setup.targetZone, setup.apexZone]) await pdnsutil(['set-meta', zone, 'SOA-EDIT-DNSUPDATE', 'INCREASE']);
      return {
        args: [`--config-dir=${setup.dir}`, '--guardian=no', '--daemon=no', '--disable-syslog', '--write-pid=no'],
        extra: { api: { url: `http://127.0.0.1:${apiPort}`, key: apiKey }, sql, pdnsutil },
      };
    },
  };
}

export function startPowerDns(options: ServerOptions = {}, powerDns: PowerDnsOptions = {}): Promise<PowerDnsServer> {
  return startAuthoritative(powerDnsFlavour(powerDns), options);
}

/** The policy of docs/providers/rfc2136.md, for these names and keys (the admin key keeps every right). */
function luaPolicy(s: Setup): string {
  return `local managed = { ${s.managedNames.map((name) => `["${name}."] = true`).join(', ')} }
function updatepolicy(request)
  local key = request:getTsigName():toString()
  if key == "${s.adminKey.name}." then return true end
  local t = request:getQType()
  return key == "${s.apexsyncKeys[0]!.name}."
    and managed[request:getQName():toString()] == true
    and (t == pdns.A or t == pdns.AAAA)
end
`;
}

function pdnsConf(s: Setup, database: string, apiPort: number, apiKey: string): string {
  return `launch=gsqlite3
gsqlite3-database=${database}
local-address=127.0.0.1
local-port=${s.port}
socket-dir=${s.dir}
security-poll-suffix=
dnsupdate=yes
allow-dnsupdate-from=127.0.0.0/8
webserver=yes
webserver-address=127.0.0.1
webserver-port=${apiPort}
webserver-allow-from=127.0.0.1/32
api=yes
api-key=${apiKey}
loglevel=6
`;
}
