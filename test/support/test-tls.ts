/**
 * A throw-away certificate authority and a server certificate for the loopback fakes, made with
 * openssl in a temp dir. The cloud SDKs insist on https (the Google client builds https:// URLs,
 * the Azure pipeline refuses bearer tokens over http), so the fakes serve TLS and the CLI under
 * test trusts the CA through NODE_EXTRA_CA_CERTS, as an operator behind a private CA would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestTls {
  /** PEM of the CA: give its path to NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  readonly key: string;
  readonly cert: string;
  remove(): void;
}

/** Names the server certificate is valid for: loopback, and the Google hosts reached through the fake's proxy. */
const SUBJECT_ALT_NAMES = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:oauth2.googleapis.com', 'DNS:dns.googleapis.com'];

export function createTestTls(): TestTls {
  const dir = mkdtempSync(path.join(tmpdir(), 'apexsync-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=apexsync test CA',
  );
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(file('server.ext'), `subjectAltName=${SUBJECT_ALT_NAMES.join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  );
  return {
    caFile: file('ca.pem'),
    key: readFileSync(file('server.key'), 'utf8'),
    cert: readFileSync(file('server.pem'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
