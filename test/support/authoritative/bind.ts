import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startAuthoritative, type AuthoritativeServer, type Flavour, type ServerOptions, type Setup, type TsigKeySpec } from './server.js';

/**
 * BIND 9 (`named -g`). The apex zone's update-policy grants the apexsync key only A and AAAA at
 * the managed names; a zone that fails to load (`broken.test`) gives queries into it a real
 * SERVFAIL.
 */
export const bindFlavour: Flavour = {
  label: 'BIND 9',
  binaries: ['/usr/sbin/named', '/usr/bin/named', '/sbin/named'],
  install: 'apt-get install -y bind9 bind9-dnsutils',
  ready: /running$/m,
  portTaken: /address in use|could not listen/i,
  async configure(setup) {
    const conf = path.join(setup.dir, 'named.conf');
    await writeFile(conf, namedConf(setup));
    return { args: ['-g', '-n', '1', '-c', conf], extra: {} };
  },
};

export function startBind(options: ServerOptions = {}): Promise<AuthoritativeServer> {
  return startAuthoritative(bindFlavour, options);
}

function keyStatement(key: TsigKeySpec): string {
  return `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };`;
}

function namedConf(s: Setup): string {
  const grants = s.apexsyncKeys.flatMap((key) => s.managedNames.map((name) => `grant ${key.name} name ${name}. A AAAA HTTPS;`)).join(' ');
  return `${keyStatement(s.adminKey)}
${s.apexsyncKeys.map(keyStatement).join('\n')}
options {
  directory "${s.dir}";
  pid-file "${s.dir}/named.pid";
  session-keyfile "${s.dir}/session.key";
  managed-keys-directory "${s.dir}";
  listen-on port ${s.port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-transfer { none; };
};
controls { };
zone "${s.targetZone}" { type primary; file "${s.dir}/${s.targetZone}.zone"; update-policy { grant ${s.adminKey.name} zonesub ANY; }; };
zone "${s.apexZone}" { type primary; file "${s.dir}/${s.apexZone}.zone"; update-policy { grant ${s.adminKey.name} zonesub ANY; ${grants} }; };
zone "broken.test" { type primary; file "${s.dir}/missing.zone"; };
`;
}
