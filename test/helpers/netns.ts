/**
 * A network namespace joined to the host by a veth pair, for peers that refuse loopback addresses
 * (Transmission treats 127.0.0.0/8 as martian). The host side gets 10.77.N.1/24, the namespace
 * 10.77.N.2/24; both are removed when the test ends. Needs root and iproute2.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';

export interface NetNs {
  name: string;
  hostIp: string;
  nsIp: string;
  /** argv prefix that runs a program inside the namespace. */
  exec: string[];
}

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

/** Creates the namespace, or skips the test (fails under CI) when that is not possible here. */
export function createNetNs(t: TestContext): NetNs | undefined {
  if (process.getuid?.() !== 0 || spawnSync('ip', ['-V']).status !== 0) {
    if (process.env.CI === 'true') throw new Error('network namespaces need root and iproute2 under CI');
    t.skip('network namespaces need root and iproute2');
    return undefined;
  }
  const n = randomInt(2, 250);
  const id = `${process.pid % 10000}${n}`;
  const name = `tk-ns-${id}`;
  const hostIf = `tkh${id}`;
  const nsIf = `tkn${id}`;
  const hostIp = `10.77.${n}.1`;
  const nsIp = `10.77.${n}.2`;
  t.after(() => {
    spawnSync('ip', ['link', 'del', hostIf]);
    spawnSync('ip', ['netns', 'del', name]);
  });
  ip(['netns', 'add', name]);
  ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
  ip(['link', 'set', nsIf, 'netns', name]);
  ip(['addr', 'add', `${hostIp}/24`, 'dev', hostIf]);
  ip(['link', 'set', hostIf, 'up']);
  ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/24`, 'dev', nsIf]);
  ip(['netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up']);
  ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  return { name, hostIp, nsIp, exec: ['ip', 'netns', 'exec', name] };
}
