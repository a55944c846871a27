import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findAbovePackageCode } from '../util/package-version.js';

/** The native addon's functions (native/dv_native.c); each has a JavaScript twin. */
export interface NativeAddon {
  /** Writes the BLAKE3-256 digest of `input` into `out[0..32)`. */
  hashInto(input: Uint8Array, out: Uint8Array): void;
  /** The FastCDC cut search of src/chunker/fastcdc.ts (masks as unsigned 32-bit). */
  findCut(buf: Uint8Array, start: number, end: number, min: number, avg: number, max: number, maskS: number, maskL: number, final: boolean): number;
  /** Writes the offsets of the line feeds in `buf[start, end)` to `out`, in order, as many as fit; returns how many. */
  lineBreaks(buf: Uint8Array, start: number, end: number, out: Int32Array): number;
  /** The first offset below `n` where `a[aStart…]` and `b[bStart…]` differ, or `n`. */
  firstDifference(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, n: number): number;
  /** How many lines ending in `buf[start, end)` (`start` begins a line) are not blank (empty, or a lone CR). */
  countRecords(buf: Uint8Array, start: number, end: number): number;
  /**
   * lstat of each of `names` in directory `dir`: six numbers per name into `out` (mode,
   * size, mtimeMs, ctimeMs, ino, dev, as fs.Stats has them); a failed lstat gives -errno
   * as the mode. Throws (code ENOENT, ENOTDIR…) when `dir` cannot be opened.
   */
  lstatNames(dir: string, names: readonly string[], out: Float64Array): void;
  /**
   * Reserves the blocks of the file open as `fd` up to `size` bytes, and sets its size
   * (fallocate); false where the filesystem or system cannot, and nothing changed.
   */
  preallocate(fd: number, size: number): boolean;
  /**
   * Compresses `bytes` into `out` as one zstd frame (at `level`, with the given hash and
   * window logs) that references `base` as its raw-content prefix: it decodes with `base`
   * as a raw-content dictionary. Returns the frame's length, or -1 when `out` is too small.
   */
  deltaCompress(bytes: Uint8Array, base: Uint8Array, level: number, hashLog: number, windowLog: number, out: Uint8Array): number;
  /**
   * The stat half of a status (native/status_scan.c): walks the directories that hold the
   * paths of a stat table (src/worktree/stat-table.ts) and returns the tracked paths whose
   * stat data does not prove them unchanged, and the untracked names it met in those
   * directories (directories among them not descended into). `present` says which of
   * the changed paths the walk met as a file or symlink. Throws when it cannot serve.
   */
  scanChanges(root: string, table: Uint8Array, stampSec: number): [changed: string[], present: boolean[], untracked: string[], untrackedIsDir: boolean[]];
  /**
   * One stretch of a content (`bytes`, at `offset` in content of `contentSize` bytes)
   * reduced to what its BLAKE3 hash needs (native/hash_pieces.c): pieces made apart, on any
   * thread, and joined in order by a piece hasher give the content's hash.
   */
  filePiece(bytes: Uint8Array, offset: number, contentSize: number): Uint8Array;
  /** A fresh piece hasher's state (the caller holds it; the functions below update it). */
  pieceHasherNew(): Uint8Array;
  /** Feeds the next bytes of the content, in order. */
  pieceHasherUpdate(state: Uint8Array, bytes: Uint8Array): void;
  /** Feeds the next piece of the content, in order; a RangeError when it is not the next. */
  pieceHasherAdd(state: Uint8Array, piece: Uint8Array): void;
  /** Writes the digest of everything fed into `out[0..32)`. */
  pieceHasherDigest(state: Uint8Array, out: Uint8Array): void;
  /**
   * Verifies a batch of received blobs on libuv's thread pool (native/verify_blobs.c).
   * Job i: id `ids[32i…]`, payload `payloads[i]` (kept unchanged until `done`), and in
   * `meta[6i…]`: its encoding (0 raw, 1 zstd, 2 delta; 255: a blob stored here, no
   * payload, the last link of its chain); the size its files list for it (-1: none);
   * whether to hand its decoded bytes back; how many uses follow in `uses` (offset,
   * content size) and `paths` (where to write it, or undefined); for a delta or a
   * stored blob how many links of its chain follow in `chainIds`, `chain` (offset, length,
   * encoding) and `chainPaths` (their pack files), the plain one first; and its transfer
   * (0: none), whose verified blobs are kept for a while to decode its later deltas
   * against (native/recent_blobs.c). Uses and links
   * come in job order. `done` gets per job its outcome (VERIFY_STATUS) and the hash of its
   * bytes, the bytes when asked for (or when it has no uses and is not raw), and per use
   * its hash piece and whether writing it failed.
   */
  verifyBlobs(ids: Uint8Array, meta: Float64Array, payloads: Uint8Array[], uses: Float64Array, paths: Array<string | undefined>,
    chainIds: Uint8Array, chain: Float64Array, chainPaths: string[],
    done: (status: Int32Array, actual: Uint8Array, kept: Array<Uint8Array | undefined>, pieces: Array<Uint8Array | undefined>, unwritten: Uint8Array) => void): void;
  /** Drops the blobs verifyBlobs keeps for a transfer (none are queued for it any more). */
  forgetTransfer?(transfer: number): void;
}

/**
 * verifyBlobs' outcomes (native/verify_blobs.c). DECODE_ELSEWHERE: left to the caller (a
 * frame that states no size, an encoding it does not decode, a delta whose stored bases
 * did not read back right).
 */
export const VERIFY_STATUS = { VERIFIED: 0, UNDECODABLE: 1, WRONG_SIZE: 2, WRONG_HASH: 3, DECODE_ELSEWHERE: 4 } as const;

const ADDON_PATH = path.join('build', 'Release', 'dv_native.node');
let loaded: NativeAddon | null | undefined;

/**
 * The addon built on install, or undefined when it was not built or `DV_NATIVE=0` asks
 * for the JavaScript versions. It sits in the package root's build/Release.
 */
export function nativeAddon(): NativeAddon | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  loaded = null;
  if (process.env.DV_NATIVE === '0') return undefined;
  const root = findAbovePackageCode((dir) => fs.existsSync(path.join(dir, ADDON_PATH)));
  if (root === undefined) return undefined;
  try {
    loaded = createRequire(import.meta.url)(path.join(root, ADDON_PATH)) as NativeAddon;
  } catch {
    loaded = null; // built for another Node, say: the JavaScript versions serve
  }
  return loaded ?? undefined;
}
