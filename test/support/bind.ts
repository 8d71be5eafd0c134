/** BIND 9 for the tests: see authoritative/server.ts for the shape every test server shares. */
export { startBind } from './authoritative/bind.js';
export {
  randomKey,
  type AuthoritativeServer as BindServer,
  type ServerOptions as BindOptions,
  type CountingRelay,
  type DnsRecord,
  type QueryResult,
  type TsigAlgorithmName,
  type TsigKeySpec,
} from './authoritative/server.js';
