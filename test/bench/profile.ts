import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Where a sample's function lives: an npm package, a gateway file, Node itself or the engine. */
function owner(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/dist\/(.+)$/.exec(url);
  if (own) return `gateway: ${own[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url === '' ? '(engine: GC, native, idle)' : url;
}

/** The heaviest owners and functions of a `.cpuprofile` by self time, as text. */
export function summarizeProfile(file: string): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const where = owner(node.callFrame.url);
    byOwner.set(where, (byOwner.get(where) ?? 0) + hits);
    const name = `${node.callFrame.functionName || '(anonymous)'} [${where}]`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, hits]) => `  ${((hits / total) * 100).toFixed(1).padStart(5)} %  ${name}`)
      .join('\n');
  return `self time by owner:\n${top(byOwner, 15)}\nself time by function:\n${top(byFunction, 20)}`;
}
