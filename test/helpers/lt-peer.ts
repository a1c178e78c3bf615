/** Runs test/interop/fixtures/lt_magnet.py (a libtorrent seeder or magnet downloader) and reads its JSON events. */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { PYTHON, ROOT } from './tools.js';

export interface LtEvent {
  ev: string;
  [key: string]: unknown;
}

export class LtPeer {
  readonly events: LtEvent[] = [];
  readonly proc: ChildProcessWithoutNullStreams;
  log = '';
  private waiters: (() => void)[] = [];

  constructor(config: Record<string, unknown>) {
    this.proc = spawn(PYTHON, [join(ROOT, 'test/interop/fixtures/lt_magnet.py'), JSON.stringify(config)], { stdio: 'pipe' });
    let buf = '';
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.log += `${line}\n`;
        this.events.push(JSON.parse(line) as LtEvent);
        for (const w of this.waiters.splice(0)) w();
      }
    });
    this.proc.stderr.on('data', (d) => (this.log += String(d)));
  }

  async waitFor(ev: string, ms: number): Promise<LtEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find((e) => e.ev === ev);
      if (hit) return hit;
      if (this.proc.exitCode !== null) throw new Error(`libtorrent exited (${this.proc.exitCode})\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`libtorrent: no ${ev} within ${ms} ms\n${this.log}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.write('{"cmd": "quit"}\n');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }
}
