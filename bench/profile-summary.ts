/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by package.
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Self-time shares of a profile, by function and by package, as printable lines. */
export function summariseProfile(path: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const total = profile.samples.length;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const [id, n] of counts) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/main\//, '');
    const fn = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + n);
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.startsWith('node:') ? 'node:internal' : url ? 'project' : functionName);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + n);
  }
  const fmt = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  return ['-- self time by package', ...fmt(byPkg), '-- self time by function', ...fmt(byFn)];
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  console.log(summariseProfile(file, Number(top ?? 25)).join('\n'));
}
