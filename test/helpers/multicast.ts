/**
 * Whether LSD (BEP 14) multicast works on the loopback interface here: tests that use it skip
 * with the reason when it does not (and fail under CI=true).
 */
import type { TestContext } from 'node:test';
import { bindMulticast } from '../../src/adapters/node/multicast.js';
import { LSD_IPV4_GROUP, LSD_PORT } from '../../src/codecs/lsd/lsd.js';

/** Whether a datagram sent to the LSD group from 127.0.0.8 comes back on loopback. */
async function loopbackMulticast(): Promise<string | undefined> {
  let socket;
  try {
    socket = await bindMulticast({ group: LSD_IPV4_GROUP, port: LSD_PORT, interfaceAddress: '127.0.0.8' });
  } catch (err) {
    return `cannot join ${LSD_IPV4_GROUP} on lo: ${(err as Error).message}`;
  }
  const probe = `probe-${Math.random()}`;
  const heard = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2_000);
    socket.onMessage((data) => {
      if (Buffer.from(data).toString() === probe) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  socket.send(new TextEncoder().encode(probe), LSD_PORT, LSD_IPV4_GROUP);
  const ok = await heard;
  await socket.close();
  return ok ? undefined : 'multicast is not looped back on lo';
}

export async function requireLoopbackMulticast(t: TestContext): Promise<boolean> {
  const reason = await loopbackMulticast();
  if (reason === undefined) return true;
  if (process.env.CI === 'true') throw new Error(`LSD needs multicast on lo under CI: ${reason}`);
  t.skip(reason);
  return false;
}

