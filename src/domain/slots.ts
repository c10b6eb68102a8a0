/**
 * Redis Cluster's 16384 hash slots as ElastiCache writes them: a node group's `Slots` is a list of
 * inclusive ranges, "0-5460" or "0-100,200-300". Pure rules the operations (validation, even
 * split, resharding plans) and the controllers (ADDSLOTSRANGE) share.
 */

export const SLOT_COUNT = 16384;

export interface SlotRange {
  start: number;
  end: number;
}

/** Ranges sorted by start; undefined when the text is not `start-end[,start-end]` within 0–16383 with start <= end. */
export function parseSlots(text: string): SlotRange[] | undefined {
  const ranges: SlotRange[] = [];
  for (const part of text.split(",")) {
    const match = /^\s*(\d{1,5})(?:\s*-\s*(\d{1,5}))?\s*$/.exec(part);
    if (!match) return undefined;
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    if (start > end || end >= SLOT_COUNT) return undefined;
    ranges.push({ start, end });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

export const formatSlots = (ranges: SlotRange[]) => ranges.map((range) => `${range.start}-${range.end}`).join(",");

export const slotCount = (ranges: SlotRange[]) => ranges.reduce((sum, range) => sum + range.end - range.start + 1, 0);

/** AWS's even split: shard i of n gets a contiguous range, the first ones one slot more when it does not divide. */
export function evenSlots(shards: number): SlotRange[][] {
  const base = Math.floor(SLOT_COUNT / shards);
  const extra = SLOT_COUNT % shards;
  const out: SlotRange[][] = [];
  let start = 0;
  for (let index = 0; index < shards; index++) {
    const size = base + (index < extra ? 1 : 0);
    out.push([{ start, end: start + size - 1 }]);
    start += size;
  }
  return out;
}

/**
 * Whether the shards' ranges cover every slot exactly once: "overlap" names the first slot two
 * shards claim, "gap" the first slot nobody serves.
 */
export function checkCoverage(shards: SlotRange[][]): { ok: true } | { ok: false; problem: "overlap" | "gap"; slot: number } {
  const all = shards.flat().sort((a, b) => a.start - b.start);
  let next = 0;
  for (const range of all) {
    if (range.start < next) return { ok: false, problem: "overlap", slot: range.start };
    if (range.start > next) return { ok: false, problem: "gap", slot: next };
    next = range.end + 1;
  }
  return next === SLOT_COUNT ? { ok: true } : { ok: false, problem: "gap", slot: next };
}

/** Every slot of the ranges, in order. */
export function slotsOf(ranges: SlotRange[]): number[] {
  const out: number[] = [];
  for (const range of ranges) for (let slot = range.start; slot <= range.end; slot++) out.push(slot);
  return out;
}

/** The fewest ranges that hold exactly these slots. */
export function rangesOf(slots: number[]): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b);
  const out: SlotRange[] = [];
  for (const slot of sorted) {
    const last = out[out.length - 1];
    if (last && last.end === slot - 1) last.end = slot;
    else out.push({ start: slot, end: slot });
  }
  return out;
}

/**
 * Where every slot goes when a cluster is resharded onto `finalIds` (retained and new shards): each
 * final shard ends with an even share (as evenSlots counts it, in the order given), moving as few
 * slots as possible: a retained shard keeps its lowest slots up to its share, removed shards and
 * shards over their share give up the rest, and shards under their share take from those, lowest
 * first. Returns the final slots of each shard.
 */
export function reshardPlan(current: Map<string, SlotRange[]>, finalIds: string[]): Map<string, SlotRange[]> {
  const shares = evenSlots(finalIds.length).map(slotCount);
  const kept = new Map<string, number[]>();
  const pool: number[] = [];
  for (const [id, ranges] of current) {
    const slots = slotsOf(ranges);
    const index = finalIds.indexOf(id);
    const share = index < 0 ? 0 : shares[index];
    kept.set(id, slots.slice(0, share));
    pool.push(...slots.slice(share));
  }
  pool.sort((a, b) => a - b);
  const out = new Map<string, SlotRange[]>();
  finalIds.forEach((id, index) => {
    const mine = kept.get(id) ?? [];
    const missing = shares[index] - mine.length;
    out.set(id, rangesOf([...mine, ...pool.splice(0, Math.max(0, missing))]));
  });
  return out;
}
