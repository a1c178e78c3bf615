/**
 * The Redis SwarmStore (ioredis): several tracker processes, on one machine or many, share the
 * same swarms. Each announce is one Lua script call (update + counts + peer selection run
 * atomically in Redis, one round trip).
 *
 * Layout (ids in hex; P = key prefix):
 *   P{ih}:S  sorted set of seeder peer ids scored by expiry (ms)
 *   P{ih}:L  sorted set of leecher peer ids scored by expiry
 *   P{ih}:A  hash peer id -> "ip|port"
 *   P{ih}:D  completed count
 *   Pswarms  set of info hashes (for expiry and totals)
 * Counts only include peers whose expiry is in the future, so a silent peer stops counting at
 * once even before `expire` removes it.
 */
import { Redis } from 'ioredis';
import type { ScrapeEntry } from '../../codecs/tracker/types.js';
import type { StoredPeer, SwarmAnnounce, SwarmAnnounceResult, SwarmStore, SwarmTotals } from '../../ports/swarm-store.js';
import { fromHex, toHex } from '../../util/bytes.js';
import { cryptoRng } from './rng.js';

const ANNOUNCE = `
local S, L, A, D, SW = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, addr, seeder, event, numwant = ARGV[1], ARGV[2], ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
local now, expires, family, offS, offL, ih = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11]
local live = '(' .. now
if event == 'stopped' then
  if seeder and redis.call('ZSCORE', L, id) then redis.call('INCR', D) end
  redis.call('ZREM', S, id); redis.call('ZREM', L, id); redis.call('HDEL', A, id)
  return {redis.call('ZCOUNT', S, live, '+inf'), redis.call('ZCOUNT', L, live, '+inf'), tonumber(redis.call('GET', D) or '0'), {}}
end
local wasSeeder = redis.call('ZSCORE', S, id)
local wasLeecher = redis.call('ZSCORE', L, id)
if (event == 'completed' and not wasSeeder) or (seeder and wasLeecher) then redis.call('INCR', D) end
if seeder then redis.call('ZREM', L, id); redis.call('ZADD', S, expires, id)
else redis.call('ZREM', S, id); redis.call('ZADD', L, expires, id) end
redis.call('HSET', A, id, addr)
redis.call('SADD', SW, ih)
local out = {}
local function pick(key, off)
  local n = redis.call('ZCARD', key)
  if n == 0 then return end
  local pos = off % n
  local scanned = 0
  while scanned < n and #out < 2 * numwant do
    local stop = math.min(n - 1, pos + (numwant - #out / 2) + 8)
    local chunk = redis.call('ZRANGE', key, pos, stop, 'WITHSCORES')
    for i = 1, #chunk, 2 do
      scanned = scanned + 1
      local p = chunk[i]
      if p ~= id and tonumber(chunk[i + 1]) > now then
        local a = redis.call('HGET', A, p)
        if a then
          local v6 = string.find(a, ':', 1, true) ~= nil
          if family == 'any' or (family == 'IPv6') == v6 then out[#out + 1] = p; out[#out + 1] = a end
        end
      end
      if #out >= 2 * numwant or scanned >= n then return end
    end
    pos = stop + 1
    if pos >= n then pos = 0 end
  end
end
if numwant > 0 then
  if not seeder then pick(S, offS) end
  pick(L, offL)
end
return {redis.call('ZCOUNT', S, live, '+inf'), redis.call('ZCOUNT', L, live, '+inf'), tonumber(redis.call('GET', D) or '0'), out}
`;

const EXPIRE = `
local n = 0
for k = 1, 2 do
  local gone = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', ARGV[1])
  for i = 1, #gone do redis.call('HDEL', KEYS[3], gone[i]) end
  n = n + #gone
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', ARGV[1])
end
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SREM', KEYS[5], ARGV[2])
end
return n
`;

type RedisWithScripts = Redis & {
  tkAnnounce(...args: (string | number)[]): Promise<[number, number, number, string[]]>;
  tkExpire(...args: (string | number)[]): Promise<number>;
};

export interface RedisStoreOptions {
  /** redis://HOST:PORT[/DB][?prefix=P] */
  url: string;
}

export class RedisSwarmStore implements SwarmStore {
  private closed = false;

  private constructor(
    private readonly redis: RedisWithScripts,
    private readonly prefix: string,
  ) {}

  static async connect(options: RedisStoreOptions): Promise<RedisSwarmStore> {
    const u = new URL(options.url);
    const prefix = u.searchParams.get('prefix') ?? 'tk:';
    u.search = '';
    const redis = new Redis(u.toString(), { lazyConnect: true, maxRetriesPerRequest: 2, enableAutoPipelining: true }) as RedisWithScripts;
    redis.defineCommand('tkAnnounce', { numberOfKeys: 5, lua: ANNOUNCE });
    redis.defineCommand('tkExpire', { numberOfKeys: 5, lua: EXPIRE });
    redis.on('error', () => {});
    try {
      await redis.connect();
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    return new RedisSwarmStore(redis, prefix);
  }

  private keys(ih: string): string[] {
    const p = this.prefix + ih;
    return [`${p}:S`, `${p}:L`, `${p}:A`, `${p}:D`, `${this.prefix}swarms`];
  }

  async announce(a: SwarmAnnounce): Promise<SwarmAnnounceResult> {
    const ih = toHex(a.infoHash);
    const [complete, incomplete, downloaded, flat] = await this.redis.tkAnnounce(
      ...this.keys(ih),
      toHex(a.peer.peerId),
      `${a.peer.ip}|${a.peer.port}`,
      a.left === 0 ? '1' : '0',
      a.event ?? '',
      Math.max(0, a.numwant),
      a.now,
      a.now + a.ttlMs,
      a.family,
      cryptoRng.int(1 << 30),
      cryptoRng.int(1 << 30),
      ih,
    );
    const peers: StoredPeer[] = [];
    for (let i = 0; i + 1 < flat.length && peers.length < a.numwant; i += 2) {
      const addr = flat[i + 1];
      const bar = addr.lastIndexOf('|');
      peers.push({ peerId: fromHex(flat[i]), ip: addr.slice(0, bar), port: Number(addr.slice(bar + 1)) });
    }
    return { complete, incomplete, downloaded, peers };
  }

  async scrape(infoHashes: readonly Uint8Array[], now: number): Promise<ScrapeEntry[]> {
    const pipe = this.redis.pipeline();
    for (const h of infoHashes) {
      const [S, L, , D] = this.keys(toHex(h));
      pipe.zcount(S, `(${now}`, '+inf');
      pipe.zcount(L, `(${now}`, '+inf');
      pipe.get(D);
    }
    const res = (await pipe.exec()) ?? [];
    return infoHashes.map((infoHash, i) => ({
      infoHash,
      complete: Number(res[i * 3]?.[1] ?? 0),
      incomplete: Number(res[i * 3 + 1]?.[1] ?? 0),
      downloaded: Number(res[i * 3 + 2]?.[1] ?? 0),
    }));
  }

  private async allSwarms(): Promise<string[]> {
    return this.redis.smembers(`${this.prefix}swarms`);
  }

  async expire(now: number): Promise<number> {
    let removed = 0;
    for (const ih of await this.allSwarms()) removed += await this.redis.tkExpire(...this.keys(ih), now, ih);
    return removed;
  }

  async totals(now: number): Promise<SwarmTotals> {
    const swarms = await this.allSwarms();
    const entries = await this.scrape(swarms.map(fromHex), now);
    const t = { torrents: swarms.length, seeders: 0, leechers: 0, completed: 0 };
    for (const e of entries) {
      t.seeders += e.complete;
      t.leechers += e.incomplete;
      t.completed += e.downloaded;
    }
    return t;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
