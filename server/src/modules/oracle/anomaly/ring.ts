/** Fixed-capacity ring of numbers, oldest first; the detector's only memory. */
export class Ring {
  private readonly data: Float64Array;
  private start = 0;
  size = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(Math.max(1, capacity));
  }

  push(v: number): void {
    if (this.size < this.capacity) {
      this.data[(this.start + this.size) % this.capacity] = v;
      this.size++;
    } else {
      this.data[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The i-th value, 0 = oldest; negative i counts from the newest (−1 = newest). */
  at(i: number): number {
    const k = i < 0 ? this.size + i : i;
    return this.data[(this.start + k) % this.capacity]!;
  }

  /** Copies the newest `n` values (oldest first) into `out` and returns how many were copied. */
  copyLast(n: number, out: Float64Array): number {
    const m = Math.min(n, this.size, out.length);
    for (let i = 0; i < m; i++) out[i] = this.at(this.size - m + i);
    return m;
  }

  toArray(): number[] {
    const out = new Array<number>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.data[(this.start + i) % this.capacity]!;
    return out;
  }
}
