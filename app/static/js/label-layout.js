// Where to write the name of each mark of a drawing so that names overlap marks and each other as little as possible:
// a greedy choice among four positions (right, left, below, above), the most important marks first.

const CHAR_WIDTH = 6.4; // at the drawings' 11 px font
const HEIGHT = 12;

function box(x, y, width, anchor) {
  const left = anchor === "start" ? x : anchor === "end" ? x - width : x - width / 2;
  return { left, right: left + width, top: y - HEIGHT + 2, bottom: y + 3 };
}

function overlap(a, b) {
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * marks: [{x, y, r, text}] in priority order. Returns, in the same order, {x, y, anchor} for each text.
 * `bounds` {width, height} keeps names inside the drawing.
 */
export function placeLabels(marks, bounds) {
  const taken = marks.map((m) => ({ left: m.x - m.r, right: m.x + m.r, top: m.y - m.r, bottom: m.y + m.r }));
  const placed = [];
  for (const mark of marks) {
    const width = mark.text.length * CHAR_WIDTH;
    const gap = mark.r + 3;
    const candidates = [
      { x: mark.x + gap, y: mark.y + 4, anchor: "start" },
      { x: mark.x - gap, y: mark.y + 4, anchor: "end" },
      { x: mark.x, y: mark.y + gap + HEIGHT - 2, anchor: "middle" },
      { x: mark.x, y: mark.y - gap - 2, anchor: "middle" },
    ];
    let best = null;
    let bestCost = Infinity;
    for (const candidate of candidates) {
      const b = box(candidate.x, candidate.y, width, candidate.anchor);
      let cost = 0;
      if (b.left < 0 || b.right > bounds.width || b.top < 0 || b.bottom > bounds.height) cost += 5000;
      for (const other of taken) cost += overlap(b, other);
      if (cost < bestCost) [best, bestCost] = [candidate, cost];
      if (cost === 0) break;
    }
    taken.push(box(best.x, best.y, width, best.anchor));
    placed.push(best);
  }
  return placed;
}
