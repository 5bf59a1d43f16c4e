import { describe, expect, it } from 'vitest';
import { collectionWorkerExecArgv, COLLECTOR_NODE_FLAGS, SEMI_SPACE_MB } from '../../src/node-flags.js';

const heap = (mb: number) => [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${mb}`];

describe('Node options of a collection worker process', () => {
  it('takes the collector\'s options for reaching AWS (CA bundle, TLS, proxy, DNS order) and reporting, and its own heap sizes', () => {
    const collector = ['--use-openssl-ca', '--max-old-space-size=900', '--dns-result-order', 'ipv4first', '--max-semi-space-size', '32', '--use-env-proxy', '--tls-min-v1.2', '--enable-source-maps', ...COLLECTOR_NODE_FLAGS];
    expect(collectionWorkerExecArgv(350, collector)).toEqual(['--use-openssl-ca', '--dns-result-order', 'ipv4first', '--use-env-proxy', '--tls-min-v1.2', '--enable-source-maps', ...heap(350)]);
  });

  it('leaves out what would break a forked worker: eval code (it would run the collector again), a debugger port, --input-type, loaders and conditions', () => {
    const collector = ['-e', 'import("./collector.js")', '--eval=x', '-p', 'y', '--print', '--inspect-brk=0', '--inspect', '--inspect-port', '9230', '--input-type=module', '--import', 'tsx', '--require', 'hook.cjs', '--conditions', 'development', '--experimental-vm-modules', '--test', '--watch', '--use-openssl-ca'];
    expect(collectionWorkerExecArgv(512, collector)).toEqual(['--use-openssl-ca', ...heap(512)]);
  });

  it('keeps the hardening the collector runs under: a worker is never less restricted than its collector', () => {
    const collector = ['--permission', '--allow-fs-read=/app', '--allow-child-process', '--disable-proto=throw', '--frozen-intrinsics', '--disallow-code-generation-from-strings'];
    expect(collectionWorkerExecArgv(512, collector)).toEqual([...collector, ...heap(512)]);
  });

  it('profiles the workers when the collector is profiled (each writes its own profile), but never under the collector\'s profile name', () => {
    const collector = ['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-interval', '500', '--cpu-prof-name=collector.cpuprofile', '--heap-prof'];
    expect(collectionWorkerExecArgv(512, collector)).toEqual(['--cpu-prof', '--cpu-prof-dir=/tmp/prof', '--cpu-prof-interval', '500', ...heap(512)]);
  });

  it('with no options of the collector\'s, only the worker\'s heap sizes', () => {
    expect(collectionWorkerExecArgv(512, [])).toEqual(heap(512));
  });
});
