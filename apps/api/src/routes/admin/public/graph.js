// A workflow graph drawn as SVG: a small layered layout (longest-path layers, barycentre ordering), left to right.
import { html } from "./lib.js";

const W = 168;
const H = 48;
const GAP_X = 120;
const GAP_Y = 22;
const PAD = 12;

/** Node positions: { nodes: Map<id, {x, y, layer}>, width, height }. The graph is a DAG (validated on save). */
export function layoutGraph(graph) {
  const ids = (graph.nodes ?? []).map((n) => n.id);
  const edges = (graph.edges ?? []).filter((e) => ids.includes(e.from) && ids.includes(e.to));
  const preds = new Map(ids.map((id) => [id, []]));
  const succs = new Map(ids.map((id) => [id, []]));
  for (const e of edges) {
    preds.get(e.to).push(e.from);
    succs.get(e.from).push(e.to);
  }
  // Kahn's order; layer = longest path from a source.
  const indeg = new Map(ids.map((id) => [id, preds.get(id).length]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  const order = [];
  const layer = new Map(ids.map((id) => [id, 0]));
  while (queue.length > 0) {
    const id = queue.shift();
    order.push(id);
    for (const s of succs.get(id)) {
      layer.set(s, Math.max(layer.get(s), layer.get(id) + 1));
      indeg.set(s, indeg.get(s) - 1);
      if (indeg.get(s) === 0) queue.push(s);
    }
  }
  for (const id of ids) if (!order.includes(id)) order.push(id); // a cycle cannot be saved; draw it anyway
  const layers = [];
  for (const id of order) (layers[layer.get(id)] ??= []).push(id);

  // A few sweeps of the barycentre heuristic to reduce crossings.
  const pos = () => new Map(layers.flatMap((l) => l.map((id, i) => [id, i])));
  const bary = (id, p, nbrs) => {
    const ns = nbrs.get(id);
    return ns.length === 0 ? p.get(id) : ns.reduce((s, n) => s + p.get(n), 0) / ns.length;
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const range = down ? layers.keys() : [...layers.keys()].reverse();
    for (const li of range) {
      const p = pos();
      const nbrs = down ? preds : succs;
      layers[li].sort((a, b) => bary(a, p, nbrs) - bary(b, p, nbrs));
    }
  }

  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y;
  const nodes = new Map();
  layers.forEach((l, li) => {
    const offset = (height - (l.length * H + (l.length - 1) * GAP_Y)) / 2;
    l.forEach((id, i) => nodes.set(id, { x: PAD + li * (W + GAP_X), y: offset + i * (H + GAP_Y), layer: li }));
  });
  const width = PAD * 2 + Math.max(1, layers.length) * W + Math.max(0, layers.length - 1) * GAP_X;
  return { nodes, edges, width, height };
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** The graph as an <svg>; `statusByNode` colours nodes by their latest step status. */
export function GraphPicture({ graph, statusByNode = {} }) {
  if (!graph || !Array.isArray(graph.nodes) || graph.nodes.length === 0) return html`<p class="muted">Empty graph.</p>`;
  const { nodes, edges, width, height } = layoutGraph(graph);
  const types = new Map(graph.nodes.map((n) => [n.id, n.type]));
  return html`<svg
    class="graph"
    role="img"
    aria-label="workflow graph"
    viewBox=${`0 0 ${width} ${height}`}
    width=${width}
    height=${height}
    xmlns="http://www.w3.org/2000/svg"
  >
    <defs>
      <marker
        id="arrow"
        viewBox="0 0 10 10"
        refX="9"
        refY="5"
        markerWidth="7"
        markerHeight="7"
        orient="auto-start-reverse"
      >
        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
      </marker>
    </defs>
    ${edges.map((e) => {
      const a = nodes.get(e.from);
      const b = nodes.get(e.to);
      const x1 = a.x + W;
      const y1 = a.y + H / 2;
      const x2 = b.x;
      const y2 = b.y + H / 2;
      const mx = (x1 + x2) / 2;
      return html`<g class=${e.when ? "edge conditional" : "edge"}>
        <path d=${`M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2 - 2} ${y2}`} marker-end="url(#arrow)" />
        ${
          e.when &&
          html`<text x=${mx} y=${(y1 + y2) / 2 - 5} text-anchor="middle"
            ><title>${e.when}</title>${clip(e.when, 20)}</text
          >`
        }
      </g>`;
    })}
    ${[...nodes].map(
      ([id, p]) =>
        html`<g class=${`node node-${statusByNode[id] ?? "none"}`} data-node=${id}>
          <title>${`${id} (${types.get(id)})${statusByNode[id] ? `: ${statusByNode[id]}` : ""}`}</title>
          <rect x=${p.x} y=${p.y} width=${W} height=${H} rx="7" />
          <text x=${p.x + 10} y=${p.y + 20} class="node-id">${clip(id, 20)}</text>
          <text x=${p.x + 10} y=${p.y + 37} class="node-type">${clip(types.get(id) ?? "", 24)}</text>
        </g>`,
    )}
  </svg>`;
}
