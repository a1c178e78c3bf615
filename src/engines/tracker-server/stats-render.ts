/** Renders tracker statistics as JSON (`/stats.json`), HTML (`/stats`) and Prometheus text (`/metrics`). */
import type { SwarmTotals } from '../../ports/swarm-store.js';
import type { StatsSnapshot } from './stats.js';

export interface StatsView {
  stats: StatsSnapshot;
  totals: SwarmTotals;
}

export function renderStatsJson(v: StatsView): string {
  return JSON.stringify({ ...v.totals, ...v.stats });
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderStatsHtml(v: StatsView): string {
  const { stats, totals } = v;
  const rows = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `<tr><td>${esc(k)}</td><td>${n}</td></tr>`)
      .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>torrentkit tracker</title>
<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 12px;text-align:left}</style></head><body>
<h1>torrentkit tracker</h1>
<table>
<tr><th>torrents</th><td>${totals.torrents}</td></tr>
<tr><th>seeders</th><td>${totals.seeders}</td></tr>
<tr><th>leechers</th><td>${totals.leechers}</td></tr>
<tr><th>completed</th><td>${totals.completed}</td></tr>
<tr><th>announces per second (last minute)</th><td>${stats.announcesPerSecond.toFixed(1)}</td></tr>
<tr><th>announces (http / udp / ws)</th><td>${stats.announces.http} / ${stats.announces.udp} / ${stats.announces.ws}</td></tr>
<tr><th>scrapes (http / udp / ws)</th><td>${stats.scrapes.http} / ${stats.scrapes.udp} / ${stats.scrapes.ws}</td></tr>
<tr><th>uptime</th><td>${stats.uptimeS} s</td></tr>
</table>
<h2>Clients</h2><table>${rows(stats.clients)}</table>
<h2>Rejected requests</h2><table>${rows(stats.errors)}</table>
</body></html>
`;
}

function label(s: string): string {
  return s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function renderMetrics(v: StatsView): string {
  const { stats, totals } = v;
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, lines: string[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
  };
  metric('torrentkit_tracker_torrents', 'gauge', 'Swarms tracked.', [`torrentkit_tracker_torrents ${totals.torrents}`]);
  metric('torrentkit_tracker_peers', 'gauge', 'Peers tracked.', [
    `torrentkit_tracker_peers{state="seeder"} ${totals.seeders}`,
    `torrentkit_tracker_peers{state="leecher"} ${totals.leechers}`,
  ]);
  metric('torrentkit_tracker_completed_total', 'counter', 'Completed downloads reported.', [`torrentkit_tracker_completed_total ${totals.completed}`]);
  metric(
    'torrentkit_tracker_announces_total',
    'counter',
    'Announces answered.',
    Object.entries(stats.announces).map(([t, n]) => `torrentkit_tracker_announces_total{transport="${t}"} ${n}`),
  );
  metric(
    'torrentkit_tracker_scrapes_total',
    'counter',
    'Scrapes answered.',
    Object.entries(stats.scrapes).map(([t, n]) => `torrentkit_tracker_scrapes_total{transport="${t}"} ${n}`),
  );
  metric(
    'torrentkit_tracker_rejected_total',
    'counter',
    'Requests rejected or dropped, by error code.',
    Object.entries(stats.errors).map(([c, n]) => `torrentkit_tracker_rejected_total{code="${label(c)}"} ${n}`),
  );
  metric('torrentkit_tracker_announces_per_second', 'gauge', 'Announce rate over the last minute.', [
    `torrentkit_tracker_announces_per_second ${stats.announcesPerSecond.toFixed(3)}`,
  ]);
  return `${out.join('\n')}\n`;
}
