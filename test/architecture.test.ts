/**
 * Keeps the layering of ../ARCHITECTURE.md true: imports point down only, I/O modules are
 * imported only by adapters and apps, codecs and policies take no time or randomness from
 * globals, and no source file outgrows its budget.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../src');
const LAYERS = ['util', 'codecs', 'policies', 'ports', 'engines', 'adapters', 'apps'] as const;
const IO_MODULES = /^node:(net|dgram|fs|fs\/promises|http|https|http2|worker_threads|child_process|os|tls)$/;
const IMPURE = /\b(Date\.now|Math\.random|setTimeout|setInterval|performance\.now)\b/;
const MAX_LINES = 600;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function layerOf(file: string): number {
  const top = relative(SRC, file).split('/')[0];
  return LAYERS.indexOf(top as (typeof LAYERS)[number]);
}

function imports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

const files = sources(SRC);

test('imports point down the layers only', () => {
  const bad: string[] = [];
  for (const file of files) {
    const layer = layerOf(file);
    if (layer < 0) continue;
    for (const spec of imports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = layerOf(resolve(dirname(file), spec));
      if (target > layer) bad.push(`${relative(SRC, file)} -> ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('only adapters and apps import I/O modules', () => {
  const bad: string[] = [];
  for (const file of files) {
    const layer = LAYERS[layerOf(file)];
    if (layer === 'adapters' || layer === 'apps') continue;
    for (const spec of imports(readFileSync(file, 'utf8'))) if (IO_MODULES.test(spec)) bad.push(`${relative(SRC, file)} -> ${spec}`);
  }
  assert.deepEqual(bad, []);
});

test('codecs and policies take time and randomness only through ports', () => {
  const bad: string[] = [];
  for (const file of files) {
    const layer = LAYERS[layerOf(file)];
    if (layer !== 'codecs' && layer !== 'policies' && layer !== 'util') continue;
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    if (IMPURE.test(text)) bad.push(relative(SRC, file));
  }
  assert.deepEqual(bad, []);
});

test(`no source file over ${MAX_LINES} lines`, () => {
  const big = files
    .map((f) => ({ f: relative(SRC, f), n: readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.n > MAX_LINES);
  assert.deepEqual(big, []);
});
