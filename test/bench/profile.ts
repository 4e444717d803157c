import { readFileSync } from 'node:fs';
import { fallbackStage, STAGES } from './stages.js';

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

interface Profile {
  nodes: (ProfileNode & { children?: number[] })[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * CPU µs per request by stage (see stages.ts): each sample's time goes to the stage of the
 * innermost frame on its stack that a rule names. Idle and startup time are shown but not
 * divided by `requests`, the number the process served while it was profiled.
 */
export function stageBreakdown(file: string, requests: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const stageOf = new Map<number, string>();
  const stageOfNode = (id: number): string => {
    const known = stageOf.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id)!.callFrame;
    let stage: string | undefined;
    for (
      let at: number | undefined = id;
      at !== undefined && stage === undefined;
      at = parentOf.get(at)
    ) {
      const { url } = byId.get(at)!.callFrame;
      stage = STAGES.find(([, where]) => where.test(url))?.[0];
    }
    stage ??= fallbackStage(leaf.functionName, leaf.url);
    stageOf.set(id, stage);
    return stage;
  };
  const micros = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const stage = stageOfNode(id);
    micros.set(stage, (micros.get(stage) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const excluded = new Set(['(idle)', STAGES[0]![0]]);
  const busy = [...micros].filter(([stage]) => !excluded.has(stage));
  const total = busy.reduce((sum, [, us]) => sum + us, 0);
  const order = [...STAGES.map(([stage]) => stage), ...micros.keys()];
  const width = Math.max(...order.map((stage) => stage.length));
  const lines = [...new Set(order)]
    .filter((stage) => micros.has(stage) && !excluded.has(stage))
    .map((stage) => {
      const us = micros.get(stage)!;
      return `  ${stage.padEnd(width)}  ${(us / requests).toFixed(1).padStart(6)} µs  ${((us / total) * 100).toFixed(1).padStart(5)} %`;
    });
  const seconds = (stage: string) => ((micros.get(stage) ?? 0) / 1e6).toFixed(1);
  return [
    `main-thread CPU per request by stage (${requests} requests; idle ${seconds('(idle)')} s and startup ${seconds(STAGES[0]![0])} s not counted):`,
    ...lines,
    `  ${'total'.padEnd(width)}  ${(total / requests).toFixed(1).padStart(6)} µs`,
  ].join('\n');
}
