/**
 * A sliding window of the last `capacity` numbers kept in sorted order too, so its median and its
 * MAD cost O(log n) instead of a selection over the whole window at every point. Results equal
 * `medianOf` / `madOf` over the same values exactly (the same elements are picked).
 */
import { Ring } from './ring.ts';

export class SortedWindow {
  private readonly order: Ring;
  private readonly sorted: Float64Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.order = new Ring(capacity);
    this.sorted = new Float64Array(Math.max(1, capacity));
  }

  push(v: number): void {
    const a = this.sorted;
    if (this.size === this.capacity) {
      // Drop the oldest value from the sorted copy.
      let i = this.lowerBound(this.order.at(0));
      a.copyWithin(i, i + 1, this.size);
      this.size--;
      i = 0;
    }
    const at = this.lowerBound(v);
    a.copyWithin(at + 1, at, this.size);
    a[at] = v;
    this.size++;
    this.order.push(v);
  }

  median(): number {
    const n = this.size;
    if (n === 0) return 0;
    const a = this.sorted;
    return n % 2 === 1 ? a[n >> 1]! : (a[(n >> 1) - 1]! + a[n >> 1]!) / 2;
  }

  /** Median of |x − center| over the window. */
  mad(center: number): number {
    const n = this.size;
    if (n === 0) return 0;
    const split = this.lowerBound(center);
    if (n % 2 === 1) return this.kthDistance(n >> 1, center, split);
    return (this.kthDistance((n >> 1) - 1, center, split) + this.kthDistance(n >> 1, center, split)) / 2;
  }

  /** First index whose value is ≥ v. */
  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * k-th smallest (0-based) distance to `center`: the union of two ascending runs, leftwards from
   * split − 1 and rightwards from split, searched by bisection on how many come from the left.
   */
  private kthDistance(k: number, center: number, split: number): number {
    const a = this.sorted;
    const leftLen = split;
    const rightLen = this.size - split;
    // left(j) = |center − a[split−1−j]|, right(j) = |a[split+j] − center|: both ascending in j.
    // Take i from the left and k + 1 − i from the right; find the smallest feasible i.
    let lo = Math.max(0, k + 1 - rightLen);
    let hi = Math.min(k + 1, leftLen);
    while (lo < hi) {
      const i = (lo + hi) >> 1;
      const j = k + 1 - i;
      if (j > 0 && i < leftLen && Math.abs(a[split + j - 1]! - center) > Math.abs(center - a[split - 1 - i]!))
        lo = i + 1;
      else hi = i;
    }
    const i = lo;
    const j = k + 1 - i;
    const fromLeft = i > 0 ? Math.abs(center - a[split - i]!) : Number.NEGATIVE_INFINITY;
    const fromRight = j > 0 ? Math.abs(a[split + j - 1]! - center) : Number.NEGATIVE_INFINITY;
    return Math.max(fromLeft, fromRight);
  }
}
