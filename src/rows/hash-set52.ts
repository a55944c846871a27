/** The arrays behind a HashSet52, as passed between threads. */
export interface HashSet52Parts { keys: Float64Array; lines: Int32Array; size: number }

/**
 * A set of 52-bit hashes (non-zero numbers) in open-addressing typed arrays: 12 bytes a
 * slot, about 24 bytes an entry, no per-entry objects. Remembers the line each hash was
 * first added at.
 */
export class HashSet52 {
  private keys: Float64Array;
  private lines: Int32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 16) {
    let cap = 1 << 4;
    while (cap < capacity * 2) cap <<= 1;
    this.keys = new Float64Array(cap);
    this.lines = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Adds a hash; returns 0 when new, else the line it was first added at. */
  add(h: number, line: number): number {
    if (this.size * 2 >= this.keys.length) this.grow();
    let i = (h % 0x100000000) & this.mask;
    const keys = this.keys;
    for (;;) {
      const k = keys[i]!;
      if (k === 0) {
        keys[i] = h;
        this.lines[i] = line;
        this.size++;
        return 0;
      }
      if (k === h) return this.lines[i]!;
      i = (i + 1) & this.mask;
    }
  }

  /** True when the hash was added. */
  has(h: number): boolean {
    let i = (h % 0x100000000) & this.mask;
    const keys = this.keys;
    for (;;) {
      const k = keys[i]!;
      if (k === 0) return false;
      if (k === h) return true;
      i = (i + 1) & this.mask;
    }
  }

  /** Every added hash, in no particular order (0 marks an empty slot). */
  get slots(): Float64Array { return this.keys; }

  /** The set's arrays, to hand to another thread (this set must not be used afterwards). */
  toParts(): HashSet52Parts {
    return { keys: this.keys, lines: this.lines, size: this.size };
  }

  /** A set made of arrays another thread handed over with toParts. */
  static fromParts(p: HashSet52Parts): HashSet52 {
    const set = new HashSet52(1);
    set.keys = p.keys;
    set.lines = p.lines;
    set.mask = p.keys.length - 1;
    set.size = p.size;
    return set;
  }

  /** Makes room for `n` entries at once (one rehash instead of many). */
  reserve(n: number): void {
    let cap = this.keys.length;
    while (cap < n * 2) cap <<= 1;
    if (cap > this.keys.length) this.grow(cap);
  }

  private grow(cap = this.keys.length * 2): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.keys = new Float64Array(cap);
    this.lines = new Int32Array(cap);
    this.mask = this.keys.length - 1;
    this.size = 0;
    for (let j = 0; j < oldKeys.length; j++) if (oldKeys[j] !== 0) this.add(oldKeys[j]!, oldLines[j]!);
  }
}
