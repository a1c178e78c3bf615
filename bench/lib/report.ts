/**
 * Benchmark reporting: every figure is printed beside the anchor's figure from the same run, with
 * their ratio, because this machine is shared and absolute times drift between runs.
 */
export interface Row {
  /** What was measured, e.g. "decode 10,000-file torrent". */
  metric: string;
  /** Unit of both figures, e.g. "MB/s", "ms". */
  unit: string;
  ours: number;
  /** Name of the anchor (the tool we compare against). */
  anchor: string;
  theirs: number | undefined;
  /** Whether a higher figure is better (throughput) or lower (latency, memory). */
  higherIsBetter: boolean;
  /** Optional goal, e.g. ">= 2x" — printed as met or missed. */
  goal?: { ratio: number; text: string };
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** "How many times better we are": >1 means torrentkit is ahead, whichever way the unit points. */
export function advantage(row: Row): number | undefined {
  if (row.theirs === undefined || row.theirs === 0 || row.ours === 0) return undefined;
  return row.higherIsBetter ? row.ours / row.theirs : row.theirs / row.ours;
}

export function printReport(title: string, rows: Row[]): void {
  const lines: string[][] = [['metric', 'torrentkit', 'anchor', 'anchor figure', 'ratio', 'goal']];
  for (const r of rows) {
    const adv = advantage(r);
    const goal = r.goal ? `${r.goal.text} ${adv !== undefined && adv >= r.goal.ratio ? 'met' : 'MISSED'}` : '';
    lines.push([
      r.metric,
      `${fmt(r.ours)} ${r.unit}`,
      r.anchor,
      r.theirs === undefined ? 'n/a' : `${fmt(r.theirs)} ${r.unit}`,
      adv === undefined ? 'n/a' : `${adv.toFixed(2)}x ${r.higherIsBetter ? '' : '(lower is better)'}`.trim(),
      goal,
    ]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  console.log(`\n## ${title}`);
  for (const [i, l] of lines.entries()) {
    console.log(l.map((c, j) => c.padEnd(widths[j])).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}
