import YAML from 'yaml';

/**
 * A generated corpus of broken configs. Each entry is the one valid base config
 * below with ONE thing broken — a wrong type, an unknown field, a bad hostname or CIDR, an unset
 * variable, an unreadable file, a duplicate record, broken YAML — and the field its message must
 * name. Credentials are planted everywhere a config can hold one (TSIG secret, API token, AWS
 * keys, the heartbeat URL's token), including inside the broken values themselves, so that a
 * message quoting the offending value would leak one.
 */

export interface PlantedCredentials {
  readonly tsigSecret: string;
  readonly apiToken: string;
  readonly awsAccessKeyId: string;
  readonly awsSecretAccessKey: string;
  readonly heartbeatToken: string;
}

export interface BadConfig {
  readonly id: string;
  readonly what: string;
  /** Files to create in the case's directory: text, or `{ directory: true }`. */
  readonly files: Readonly<Record<string, string | { readonly directory: true }>>;
  /** CLI arguments after `sync` (default `-c apexsync.yaml`). */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /**
   * The field the message must name, at the start of a line (after `apexsync: `):
   * a config path (`records[0].target`) or, for file-level problems, the file's name.
   */
  readonly field: string;
  /** Most problem lines the case may print (default 1: one problem, one line). */
  readonly maxLines: number;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const DELETE = Symbol('delete');

/** The valid config every case starts from (loopback only; never reaches a provider). */
function baseConfig(): { [key: string]: Json } {
  return {
    resolver: { servers: ['127.0.0.1:53'], timeoutMs: 500, attempts: 1 },
    providers: {
      files: { type: 'zonefile', file: './example.com.zone' },
      bind: { type: 'rfc2136', server: '127.0.0.1:53', tsig: { name: 'apexsync-key', algorithm: 'hmac-sha256', secret: '${TSIG_SECRET}' } },
      aws: { type: 'route53', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' },
      cf: { type: 'cloudflare', apiToken: '${CF_TOKEN}', baseUrl: 'http://127.0.0.1:9/client/v4' },
    },
    defaults: { provider: 'files', families: ['A', 'AAAA'], ttl: { min: 60, max: 3600 } },
    records: [
      { name: 'example.com', target: 'lb.target.test' },
      { name: 'www.example.com', target: 'lb.target.test', provider: 'cf' },
      { name: 'api.example.com', target: 'api.target.test', provider: 'bind', families: ['A'], ttl: 300 },
    ],
    heartbeat: { url: '${HEARTBEAT_URL}' },
  };
}

export function baseEnv(p: PlantedCredentials): Record<string, string> {
  return {
    TSIG_SECRET: p.tsigSecret,
    CF_TOKEN: p.apiToken,
    AWS_ACCESS_KEY_ID: p.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: p.awsSecretAccessKey,
    HEARTBEAT_URL: `https://hc-ping.invalid/${p.heartbeatToken}`,
  };
}

function setPath(root: { [key: string]: Json }, path: string, value: Json | typeof DELETE): { [key: string]: Json } {
  const copy = structuredClone(root);
  const keys = path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  let node: Json = copy;
  for (const key of keys.slice(0, -1)) {
    const holder = node as Record<string | number, Json>;
    holder[key] ??= {};
    node = holder[key]!;
  }
  const last = keys.at(-1)!;
  const parent = node as Record<string | number, Json>;
  if (value === DELETE) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = value;
  return copy;
}

export const BASE_FILES = { 'example.com.zone': '$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n' };

export function validBaseCase(p: PlantedCredentials): BadConfig {
  return {
    id: 'base',
    what: 'the valid base config',
    files: { ...BASE_FILES, 'apexsync.yaml': YAML.stringify(baseConfig()) },
    args: ['-c', 'apexsync.yaml'],
    env: baseEnv(p),
    field: '',
    maxLines: 0,
  };
}

export function buildBadConfigs(p: PlantedCredentials): BadConfig[] {
  const cases: BadConfig[] = [];
  const env = baseEnv(p);
  const add = (
    id: string,
    what: string,
    field: string,
    config: { [key: string]: Json } | string,
    options: { env?: Record<string, string>; maxLines?: number; files?: BadConfig['files']; args?: string[] } = {},
  ): void => {
    const text = typeof config === 'string' ? config : YAML.stringify(config);
    cases.push({
      id,
      what,
      files: { ...BASE_FILES, 'apexsync.yaml': text, ...options.files },
      args: options.args ?? ['-c', 'apexsync.yaml'],
      env: options.env ?? env,
      field,
      maxLines: options.maxLines ?? 1,
    });
  };
  /** One field set to a wrong value; the message must name `field` (default: the path itself). */
  const set = (path: string, value: Json | typeof DELETE, what: string, field = toField(path), maxLines = 1): void =>
    add(`${path}=${value === DELETE ? '(deleted)' : JSON.stringify(value).slice(0, 40)}`, what, field, setPath(baseConfig(), path, value), { maxLines });

  // --- resolver --------------------------------------------------------------------------------
  set('resolver.timeoutMs', 'fast', 'wrong type: text for a number');
  set('resolver.timeoutMs', -5, 'negative timeout');
  set('resolver.timeoutMs', 1.5, 'fractional milliseconds');
  set('resolver.timeoutMs', 10_000_000, 'absurdly long timeout');
  set('resolver.attempts', 0, 'zero attempts');
  set('resolver.attempts', 'two', 'wrong type: text for a number');
  set('resolver.servers', '127.0.0.1', 'a string where a list is expected');
  set('resolver.servers', [], 'an empty server list');
  set('resolver.servers', ['dns.google'], 'a hostname where an IP is required', 'resolver.servers[0]');
  set('resolver.servers', ['127.0.0.1:99999'], 'a port out of range', 'resolver.servers[0]');
  set('resolver.servers', ['[::1]:x'], 'a non-numeric port', 'resolver.servers[0]');
  set('resolver.servers', ['127.0.0.1', 53], 'a number in the server list', 'resolver.servers[1]');
  set('resolver', 'none', 'a string for the resolver section');
  set('resolver.ecs', '198.51.100.0/33', 'bad CIDR: prefix over 32');
  set('resolver.ecs', '198.51.100.0', 'bad CIDR: no prefix');
  set('resolver.ecs', 'not-a-cidr', 'bad CIDR: not an address');
  set('resolver.ecs', '2001:db8::/129', 'bad CIDR: IPv6 prefix over 128');
  set('resolver.ecs', '198.51.100.0/28', 'ECS prefix longer than resolvers accept');
  set('resolver.ecs', 24, 'a number for a CIDR');
  set('resolver.retries', 3, 'unknown field in resolver', 'resolver');

  // --- providers -------------------------------------------------------------------------------
  set('providers', [], 'a list where a map of providers is expected', 'providers', 4);
  set('providers.files.type', 'bind9', 'unknown provider type');
  set('providers.files.type', DELETE, 'provider without a type', 'providers.files.type');
  set('providers.files.file', '', 'empty zone file path');
  set('providers.files.file', 42, 'a number for a path');
  set('providers.files.reloadCommand', 'rndc reload example.com', 'a shell string where an argv list is expected');
  set('providers.files.reloadCommand', [], 'an empty reload command');
  set('providers.files.reloadTimeoutMs', 5, 'reload timeout below the minimum');
  set('providers.files.zone', 'example.com', 'unknown field in a zonefile provider', 'providers.files');
  set('providers.bind.server', 'ns1.example.com', 'a hostname where an IP is required');
  set('providers.bind.server', '127.0.0.1:0', 'port 0');
  set('providers.bind.tsig.algorithm', 'hmac-md5', 'an unsupported TSIG algorithm');
  set('providers.bind.tsig.secret', `not base64!! ${p.tsigSecret}`, 'a TSIG secret that is not base64 (and holds the real one)');
  set('providers.bind.tsig.secret', `${p.tsigSecret.slice(0, 20)}*${p.tsigSecret.slice(20)}`, 'a TSIG secret with a stray character');
  set('providers.bind.tsig.secret', '', 'an empty TSIG secret');
  set('providers.bind.tsig.secret', 12345, 'a number for the TSIG secret');
  set('providers.bind.tsig.name', 'bad key name!', 'a TSIG key name that is not a DNS name');
  set('providers.bind.tsig.keyfile', '/etc/bind/key', 'unknown field in tsig', 'providers.bind.tsig');
  set('providers.bind.timeoutMs', 0, 'zero timeout');
  set('providers.aws.region', '', 'an empty region');
  set('providers.aws.endpoint', 'not a url', 'an endpoint that is not a URL');
  set('providers.aws.waitForSync', 'yes', 'text for a boolean');
  set('providers.aws.accessKeyId', p.awsAccessKeyId, 'an AWS key pasted into the config as an unknown field', 'providers.aws');
  set('providers.aws.secretAccessKey', p.awsSecretAccessKey, 'an AWS secret pasted into the config as an unknown field', 'providers.aws');
  set('providers.cf.apiToken', 12345, 'a number for the API token');
  set('providers.cf.apiToken', '', 'an empty API token');
  set('providers.cf.apiToken', DELETE, 'no API token', 'providers.cf.apiToken');
  set('providers.cf.baseUrl', `ftp//${p.apiToken}`, 'a base URL that is not a URL (and holds the token)');
  set('providers.cf.batchSize', 5000, 'a batch size over the plan limit');
  set('providers.cf.timeoutMs', 50, 'a timeout below the minimum');
  set('providers.cf.apiKey', p.apiToken, 'a token under an unknown key', 'providers.cf');
  add(
    'provider-id',
    'a provider id with a space',
    'providers',
    setPath(setPath(baseConfig(), 'providers.bad id', { type: 'zonefile', file: 'x.zone' }), 'providers.files', DELETE),
    { maxLines: 4 },
  );

  // --- defaults --------------------------------------------------------------------------------
  // One mistake, two consequences: the default names no provider, and so does records[0] through it.
  set('defaults.provider', 'nope', 'a default provider that does not exist', 'defaults.provider', 2);
  set('defaults.families', ['A', 'MX'], 'a family that is not A or AAAA', 'defaults.families[1]');
  set('defaults.families', [], 'no family');
  set('defaults.families', ['A', 'A'], 'a family listed twice');
  set('defaults.families', ['a'], 'a family in lower case', 'defaults.families[0]');
  set('defaults.ttl', 'long', 'text for a TTL');
  set('defaults.ttl', 0, 'TTL 0');
  set('defaults.ttl', { min: 600, max: 60 }, 'TTL range upside down');
  set('defaults.ttl', { min: 60, max: 3600, step: 1 }, 'unknown field in the TTL range', 'defaults.ttl');
  set('defaults.ttl', 2_147_483_648, 'TTL over 2^31-1');
  set('defaults.maxAddresses', 0, 'zero addresses');
  set('defaults.color', 'blue', 'unknown field in defaults', 'defaults');

  // --- records ---------------------------------------------------------------------------------
  set('records', {}, 'a map where the record list is expected');
  set('records', [], 'no record');
  set('records.0.name', 'exa mple.com', 'bad hostname: a space');
  set('records.0.name', '-bad-.example.com', 'bad hostname: leading hyphen');
  set('records.0.name', 'a..example.com', 'bad hostname: empty label');
  set('records.0.name', `${'x'.repeat(64)}.example.com`, 'bad hostname: a 64-character label');
  set('records.0.name', `${'abcdefghi.'.repeat(26)}com`, 'bad hostname: over 253 characters');
  set('records.0.name', 42, 'a number for a name');
  set('records.0.name', '', 'an empty name');
  set('records.0.name', '*.example.com', 'bad hostname: a wildcard');
  set('records.0.name', 'exämple.com', 'bad hostname: not ASCII (IDN not in A-label form)');
  set('records.0.name', DELETE, 'a record without a name', 'records[0].name');
  set('records.0.target', 'http://lb.target.test', 'bad hostname: a URL as target');
  set('records.0.target', 'lb target.test', 'bad hostname: a space in the target');
  set('records.0.target', 'EXAMPLE.com.', 'the target is the managed name itself');
  set('records.0.target', DELETE, 'a record without a target', 'records[0].target');
  set('records.0.target', ['a.test', 'b.test'], 'a list of targets');
  set('records.0.provider', 'nope', 'a provider that does not exist');
  set('records.0.provider', 7, 'a number for a provider id');
  for (const inherited of ['constructor', 'toString', 'hasOwnProperty', '__proto__'])
    set('records.0.provider', inherited, `an inherited object key (${inherited}) as a provider reference`);
  set('defaults.provider', 'constructor', 'an inherited object key as the default provider', 'defaults.provider', 2);
  set('records.0.zone', 'other.com', 'a zone that does not contain the name');
  set('records.0.zone', 'bad zone', 'bad hostname as zone');
  set('records.0.families', 'A', 'a string where a family list is expected');
  set('records.0.families', ['A', 'CNAME'], 'CNAME as a family', 'records[0].families[1]');
  set('records.0.ttl', -1, 'negative TTL');
  set('records.0.ttl', '300', 'TTL as text');
  set('records.0.ttl', 30.5, 'fractional TTL');
  set('records.0.ttl', { min: 10, max: 5 }, 'TTL range upside down');
  set('records.0.maxAddresses', 65, 'maxAddresses over the limit');
  set('records.0.maxAddresses', '8', 'maxAddresses as text');
  set('records.0.allowEmpty', 'yes', 'text for a boolean');
  set('records.0.allowSpecialAddresses', 1, 'a number for a boolean');
  set('records.0.priority', 1, 'unknown field in a record', 'records[0]');
  set('records.0', 'example.com', 'a string where a record is expected');
  set('records.0', null, 'an empty list item');
  set('records.3', { name: 'example.com', target: 'other.target.test' }, 'the same name twice for one provider', 'records[3].name');
  set('records.3', { name: 'EXAMPLE.COM.', target: 'other.target.test', provider: 'files' }, 'a duplicate spelled in another case, with a trailing dot', 'records[3].name');
  set('records.3', { name: 'www.Example.com', target: 'lb.target.test', provider: 'cf' }, 'a duplicate of a record with an explicit provider', 'records[3].name');

  // --- run settings ----------------------------------------------------------------------------
  set('schedule', 'every five minutes', 'a schedule that is not a cron expression');
  set('schedule', '61 * * * *', 'a cron expression with minute 61');
  set('schedule', 5, 'a number for the schedule');
  set('server.listen', 'localhost:9797', 'a hostname where an IP is required');
  set('server.listen', '127.0.0.1:99999', 'a port out of range');
  set('server.port', 9797, 'unknown field in server', 'server');
  set('interval.min', '5x', 'a duration with an unknown unit');
  set('interval', { min: '10m', max: '1m' }, 'interval min over max');
  set('interval.min', '500ms', 'interval below one second');
  set('staleAfter', 'soon', 'a duration that is not one');
  set('damping.samples', 0, 'zero samples');
  set('damping.samples', 11, 'too many samples');
  set('damping.holdDown', '-5s', 'a negative duration');
  set('heartbeat.url', `ftp://hc-ping.invalid/${p.heartbeatToken}`, 'a heartbeat URL that is not http(s) (and holds its token)');
  set('heartbeat.failUrl', `hc-ping.invalid/${p.heartbeatToken}/fail`, 'a fail URL without a scheme (and holds the token)');
  set('heartbeat', { failUrl: `https://hc-ping.invalid/${p.heartbeatToken}/fail` }, 'a heartbeat without a url', 'heartbeat.url');
  set('logLevel', 'verbose', 'an unknown log level');
  set('recrods', [], 'a misspelt top-level key', '(top level)');
  set('provider', 'files', 'an unknown top-level key', '(top level)');

  // --- variables -------------------------------------------------------------------------------
  const without = (name: string): Record<string, string> => Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));
  add('env-tsig-unset', 'the TSIG secret variable is not set', 'providers.bind.tsig.secret', YAML.stringify(baseConfig()), { env: without('TSIG_SECRET') });
  add('env-token-unset', 'the API token variable is not set', 'providers.cf.apiToken', YAML.stringify(baseConfig()), { env: without('CF_TOKEN') });
  add('env-token-empty', 'the API token variable is set but empty', 'providers.cf.apiToken', YAML.stringify(baseConfig()), { env: { ...env, CF_TOKEN: '' } });
  add('env-heartbeat-unset', 'the heartbeat URL variable is not set', 'heartbeat.url', YAML.stringify(baseConfig()), { env: without('HEARTBEAT_URL') });
  add('env-target-unset', 'a target from an unset variable', 'records[0].target', YAML.stringify(setPath(baseConfig(), 'records.0.target', '${TARGET_HOST}')));
  add(
    'env-empty-default',
    'a token defaulting to the empty string',
    'providers.cf.apiToken',
    YAML.stringify(setPath(baseConfig(), 'providers.cf.apiToken', '${CF_TOKEN_UNSET:-}')),
  );
  add('env-tsig-not-base64', 'the TSIG variable holds text that is not base64', 'providers.bind.tsig.secret', YAML.stringify(baseConfig()), {
    env: { ...env, TSIG_SECRET: `${p.tsigSecret}!` },
  });
  add('env-dotenv-bad-tsig', 'a .env file sets a TSIG secret that is not base64', 'providers.bind.tsig.secret', YAML.stringify(baseConfig()), {
    env: without('TSIG_SECRET'),
    files: { '.env': `TSIG_SECRET="${p.tsigSecret}#!"\n` },
  });
  add('env-log-level', 'APEXSYNC_LOG_LEVEL is not a level', 'APEXSYNC_LOG_LEVEL', YAML.stringify(baseConfig()), { env: { ...env, APEXSYNC_LOG_LEVEL: 'loud' } });
  add('env-listen', 'APEXSYNC_LISTEN is not an address', 'APEXSYNC_LISTEN', YAML.stringify(baseConfig()), { env: { ...env, APEXSYNC_LISTEN: 'everywhere' } });
  add('env-server-from-var', 'a resolver server from an unset variable', 'resolver.servers[0]', YAML.stringify(setPath(baseConfig(), 'resolver.servers', ['${DNS_SERVER}'])));

  // --- broken YAML (the secret sits on the broken line, where a parser excerpt would show it) --
  const good = YAML.stringify(baseConfig());
  const inline = good.replace('${CF_TOKEN}', p.apiToken).replace('${TSIG_SECRET}', p.tsigSecret);
  add('yaml-tab', 'a tab in the indentation', 'apexsync.yaml:', inline.replace(/\n {6}secret: /, '\n\t\tsecret: '), { maxLines: YAML_LINES });
  add('yaml-unclosed-quote', 'an unclosed quote on the token line', 'apexsync.yaml:', inline.replace(`apiToken: ${p.apiToken}`, `apiToken: "${p.apiToken}`), {
    maxLines: YAML_LINES,
  });
  add('yaml-duplicate-key', 'the same key twice', 'apexsync.yaml:', `${inline}providers: {}\n`, { maxLines: YAML_LINES });
  add(
    'yaml-unclosed-flow',
    'an unclosed flow map holding the secret',
    'apexsync.yaml:',
    `${inline.replace(/providers:\n/, `providers:\n  extra: { type: cloudflare, apiToken: ${p.apiToken}\n`)}`,
    { maxLines: YAML_LINES },
  );
  add('yaml-scalar', 'a document that is just text', '(top level)', 'just some text\n');
  add('yaml-empty', 'an empty file', 'apexsync.yaml', '');
  add('yaml-comments', 'only comments', 'apexsync.yaml', '# apexsync\n# nothing yet\n');
  add('yaml-list', 'a list at the top level', '(top level)', '- a\n- b\n');
  add('yaml-alias', 'an alias to an anchor that does not exist', 'apexsync.yaml', good.replace('lb.target.test', '*nope'), { maxLines: YAML_LINES });
  add('yaml-alias-loop', 'an alias inside its own anchor', 'loop[0]', `${good}loop: &x [*x]\n`, { maxLines: YAML_LINES });
  add('yaml-alias-bomb', 'a billion-laughs alias bomb', 'apexsync.yaml', `${good}${aliasBomb()}`, { maxLines: YAML_LINES });
  add('yaml-indent', 'a mis-indented line holding the secret', 'apexsync.yaml:', inline.replace(`\n      secret: ${p.tsigSecret}`, `\n   secret: ${p.tsigSecret}`), {
    maxLines: YAML_LINES,
  });
  add('yaml-binary', 'binary garbage (read as one plain scalar)', '(top level)', `\u0000\u0001\u0002\u00ff${p.apiToken}\u0000`, { maxLines: YAML_LINES });
  add('yaml-two-docs', 'two YAML documents', 'apexsync.yaml:', `${good}---\nrecords: []\n`, { maxLines: YAML_LINES });
  add('yaml-json-broken', 'JSON with a missing brace holding the token', 'apexsync.yaml:', `{"providers": {"cf": {"type": "cloudflare", "apiToken": "${p.apiToken}"}`, {
    maxLines: YAML_LINES,
  });

  // --- files -----------------------------------------------------------------------------------
  add('file-missing', 'the config file does not exist', 'missing.yaml', good, { args: ['-c', 'missing.yaml'] });
  add('file-directory', 'the config path is a directory', 'conf.d', good, { args: ['-c', 'conf.d'], files: { 'conf.d': { directory: true } } });
  add('file-under-file', 'the config path runs through a file', 'apexsync.yaml/inner.yaml', good, { args: ['-c', 'apexsync.yaml/inner.yaml'] });
  add('file-dotenv-directory', '.env is a directory', '.env', good, { files: { '.env': { directory: true } } });
  add('file-default-directory', 'no -c, and ./apexsync.yaml is a directory', 'apexsync.yaml', good, { args: [], files: { 'apexsync.yaml': { directory: true } } });
  add('file-too-large', 'a config file over the 4 MiB cap (read no further than the cap)', 'apexsync.yaml', `${good}# ${'x'.repeat(4 * 1024 * 1024)}\n`);
  add('file-env-config-missing', '$APEXSYNC_CONFIG names a missing file', 'elsewhere.yaml', good, { args: [], env: { ...env, APEXSYNC_CONFIG: 'elsewhere.yaml' } });

  return cases;
}

/**
 * The YAML parser reports a syntax error and the errors it cascades into (a tab in the
 * indentation gives four); each is one line with its line:col, which is acceptable.
 */
const YAML_LINES = 5;

/** Nine aliases per level, seven levels: 9^7 nodes if expanded (the `yaml` package stops at 100 aliases). */
function aliasBomb(): string {
  const levels = ['a: &a [1]'];
  for (let level = 1; level < 7; level++) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${previous}`).join(', ')}]`);
  }
  return `bomb:\n${levels.map((line) => `  ${line}`).join('\n')}\n`;
}

/** `records.0.target` → `records[0].target`, as the messages write paths. */
function toField(path: string): string {
  return path.replace(/\.(\d+)/g, '[$1]');
}
