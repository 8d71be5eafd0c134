import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import YAML from 'yaml';
import { loadConfig } from '../../src/config/index.js';

/**
 * deploy/kubernetes, checked without a cluster: every manifest against the Kubernetes API schemas
 * that `kubernetes-models` ships (generated from the API's OpenAPI definitions), then what the
 * schemas cannot say: the hardening, the probes, that the pieces select each other, and that the
 * ConfigMap's apexsync.yaml is a config apexsync accepts.
 */

const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/kubernetes');

interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly [key: string]: unknown;
}

/** The model (API schema) of each kind the folder may hold. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1 Deployment': Deployment,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'v1 Service': Service,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
};

function validate(manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion} ${manifest.kind}`];
  if (!Model) throw new Error(`${manifest.apiVersion} ${manifest.kind}: no schema for this kind`);
  new Model(manifest as never).validate();
}

const files = readdirSync(folder).filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml');
const manifests = new Map<string, Manifest>();
for (const file of files) {
  const documents = YAML.parseAllDocuments(readFileSync(path.join(folder, file), 'utf8'));
  for (const document of documents) {
    expect(document.errors, file).toEqual([]);
    const manifest = document.toJS() as Manifest;
    manifests.set(`${manifest.kind}/${manifest.metadata.name}`, manifest);
  }
}
const get = <T>(key: string): T => {
  const manifest = manifests.get(key);
  expect(manifest, key).toBeDefined();
  return manifest as T;
};

type Container = {
  image: string;
  args: string[];
  env: { name: string; value: string }[];
  envFrom: { secretRef: { name: string } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; runAsNonRoot: boolean; capabilities: { drop: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
};
type DeploymentDoc = {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        automountServiceAccountToken: boolean;
        securityContext: { runAsNonRoot: boolean; runAsUser: number; seccompProfile: { type: string } };
        containers: Container[];
        volumes: { name: string; configMap?: { name: string } }[];
      };
    };
  };
};

/** The TypeScript type (same API definitions) of each kind, for the unknown-field check. */
const TYPES: Record<string, { module: string; type: string }> = {
  'apps/v1 Deployment': { module: 'kubernetes-models/apps/v1', type: 'IDeployment' },
  'v1 ConfigMap': { module: 'kubernetes-models/v1', type: 'IConfigMap' },
  'v1 Secret': { module: 'kubernetes-models/v1', type: 'ISecret' },
  'v1 Service': { module: 'kubernetes-models/v1', type: 'IService' },
  'networking.k8s.io/v1 NetworkPolicy': { module: 'kubernetes-models/networking.k8s.io/v1', type: 'INetworkPolicy' },
};

/**
 * The schema validators accept fields they do not know (as the API server does without strict
 * field validation), so a misspelt `readOnlyRootFileSystem` would pass them and be silently
 * dropped by a cluster. The package's TypeScript types describe the same objects: an object
 * literal checked against them fails on any unknown field. Returns one message per problem.
 */
function unknownFields(list: readonly Manifest[]): string[] {
  const file = path.join(folder, '__manifests__.ts');
  const kinds = list.map((m) => TYPES[`${m.apiVersion} ${m.kind}`]!);
  const text = [...kinds.map((k, i) => `import type { ${k.type} as T${i} } from '${k.module}';`), ...list.map((m, i) => `export const m${i}: T${i} = ${JSON.stringify(m)};`)].join(
    '\n',
  );
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, version, ...rest) => (name === file ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? text : readFile(name));
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram([file], options, host));
  return diagnostics.map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const manifest = list[line - kinds.length];
    return `${manifest ? `${manifest.kind}/${manifest.metadata.name}` : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

describe('deploy/kubernetes', () => {
  it('holds the Deployment, ConfigMap, Secret example, Service and NetworkPolicy', () => {
    expect([...manifests.keys()].sort()).toEqual([
      'ConfigMap/apexsync-config',
      'Deployment/apexsync',
      'NetworkPolicy/apexsync',
      'Secret/apexsync-credentials',
      'Service/apexsync-metrics',
    ]);
  });

  it.each(files)('%s is valid against the Kubernetes API schemas', (file) => {
    for (const document of YAML.parseAllDocuments(readFileSync(path.join(folder, file), 'utf8'))) validate(document.toJS() as Manifest);
  });

  it('no manifest has a field the API does not define (strict, like kubectl --validate=strict)', () => {
    expect(unknownFields([...manifests.values()])).toEqual([]);
    // The check finds a misspelt field.
    const deployment = structuredClone(get<Manifest & DeploymentDoc>('Deployment/apexsync'));
    const container = deployment.spec.template.spec.containers[0]! as unknown as { securityContext: Record<string, unknown> };
    container.securityContext.readOnlyRootFileSystem = true;
    expect(unknownFields([deployment])).toEqual([expect.stringMatching(/^Deployment\/apexsync: .*'"readOnlyRootFileSystem"' does not exist in type/) as unknown]);
  });

  it('the validator rejects what the API server would reject (so the checks above can fail)', () => {
    const deployment = structuredClone(get<Manifest & DeploymentDoc>('Deployment/apexsync'));
    (deployment.spec.template.spec.securityContext as unknown as Record<string, unknown>).runAsUser = 'node';
    expect(() => validate(deployment)).toThrow(/runAsUser/);
    const service = structuredClone(get<Manifest & { spec: { ports: { port: unknown }[] } }>('Service/apexsync-metrics'));
    delete service.spec.ports[0]!.port;
    expect(() => validate(service)).toThrow(/port/);
    expect(() => validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } })).toThrow(/no schema/);
  });

  it('the kustomization lists every manifest but the Secret example, and names the Deployment image', () => {
    const kustomization = YAML.parse(readFileSync(path.join(folder, 'kustomization.yaml'), 'utf8')) as {
      apiVersion: string;
      kind: string;
      resources: string[];
      images: { name: string; newName: string; newTag: string }[];
    };
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(files.filter((file) => file !== 'secret.example.yaml').sort());
    const container = get<DeploymentDoc>('Deployment/apexsync').spec.template.spec.containers[0]!;
    expect(kustomization.images.map((image) => image.name)).toEqual([container.image]);
  });

  it('the Deployment runs apexsync run hardened: non-root, read-only root, no capabilities, RuntimeDefault seccomp', () => {
    const pod = get<DeploymentDoc>('Deployment/apexsync').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0]!;
    expect(container.args).toEqual(['run']);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // The measured footprint (docs/running.md): requests cover the settled RSS, the limit the peak.
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '160Mi' }, limits: { cpu: '1', memory: '256Mi' } });
  });

  it('the pieces fit: port, config mount, Secret, selectors of the Service and the NetworkPolicy', () => {
    const deployment = get<DeploymentDoc>('Deployment/apexsync');
    const pod = deployment.spec.template;
    const container = pod.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((variable) => [variable.name, variable.value]));
    const port = container.ports.find((p) => p.name === 'http')!.containerPort;
    expect(env.APEXSYNC_LISTEN).toBe(`0.0.0.0:${port}`);
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);

    const configMount = container.volumeMounts.find((mount) => mount.mountPath === path.posix.dirname(env.APEXSYNC_CONFIG!))!;
    expect(configMount.readOnly).toBe(true);
    const configVolume = pod.spec.volumes.find((volume) => volume.name === configMount.name)!;
    const configMap = get<{ metadata: { name: string }; data: Record<string, string> }>(`ConfigMap/${configVolume.configMap!.name}`);
    expect(Object.keys(configMap.data)).toEqual([path.posix.basename(env.APEXSYNC_CONFIG!)]);

    expect(container.envFrom).toEqual([{ secretRef: { name: 'apexsync-credentials' } }]);
    expect(manifests.has('Secret/apexsync-credentials')).toBe(true);

    const service = get<{
      metadata: { annotations: Record<string, string> };
      spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[]; publishNotReadyAddresses: boolean };
    }>('Service/apexsync-metrics');
    // A pod that is not ready (stale records) is still scraped.
    expect(service.spec.publishNotReadyAddresses).toBe(true);
    expect(pod.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports).toMatchObject([{ port, targetPort: 'http' }]);
    expect(service.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });

    const policy = get<{
      spec: {
        podSelector: { matchLabels: Record<string, string> };
        policyTypes: string[];
        ingress: { ports: { port: number; protocol: string }[] }[];
        egress: { ports: { port: number; protocol: string }[] }[];
      };
    }>('NetworkPolicy/apexsync');
    expect(pod.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress.flatMap((rule) => rule.ports)).toEqual([{ port, protocol: 'TCP' }]);
    expect(policy.spec.egress.flatMap((rule) => rule.ports)).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
      { port: 443, protocol: 'TCP' },
    ]);
  });

  it("the ConfigMap's apexsync.yaml is a config apexsync accepts, listening where the probes look", () => {
    const configMap = get<{ data: Record<string, string> }>('ConfigMap/apexsync-config');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'apexsync-k8s-'));
    try {
      writeFileSync(path.join(dir, 'apexsync.yaml'), configMap.data['apexsync.yaml']!);
      // A pod's resolv.conf names the cluster DNS, which the config then uses for the targets.
      writeFileSync(path.join(dir, 'resolv.conf'), 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
      const env = { CLOUDFLARE_API_TOKEN: 'test-token', APEXSYNC_LISTEN: '0.0.0.0:9797' };
      const config = loadConfig({ file: 'apexsync.yaml', cwd: dir, env, resolvConf: path.join(dir, 'resolv.conf') });
      expect(config.records.map((record) => record.name)).toEqual(['example.com']);
      expect(config.server.listen).toMatchObject({ host: '0.0.0.0', port: 9797 });
      expect(config.resolver.servers).toMatchObject([{ host: '10.96.0.10', port: 53 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
