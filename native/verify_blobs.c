// Verifying received blobs off the JavaScript threads: a batch of payloads is decoded
// (raw, one zstd frame, or a delta against a stored base, whose chain of stored payloads
// it reads from the packs and decodes itself, from the newest link it still holds among
// the recently verified blobs: native/recent_blobs.c), hashed against its ids and, for a chunk of
// files being received, reduced to its pieces of those files' hashes
// (native/hash_pieces.c) and written into them, all on libuv's thread pool. No JavaScript runs there, so a transfer
// keeps both cores for decoding instead of paying for a worker's isolate and messages.
// The checks and their outcomes are those of src/store/store-worker.ts (tested alike).
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "blake3.h"
#include "hash_pieces.h"
#include "recent_blobs.h"
#include "zstd.h"

// Outcomes, as src/native/native-addon.ts names them.
enum { VERIFIED = 0, UNDECODABLE = 1, WRONG_SIZE = 2, WRONG_HASH = 3, DECODE_ELSEWHERE = 4 };
#define ENCODING_RAW 0
#define ENCODING_ZSTD 1
#define ENCODING_DELTA 2
// Not a received payload: a blob stored here, decoded from its chain (the last link) for
// the hash pieces and the checkout of a file that arrived around it.
#define STORED 255
// A delta payload: [depth u8][base id, 32 bytes][zstd frame with the base's bytes as its dictionary].
#define DELTA_HEADER 33
// A frame that does not state its size, or states more than this, is left to the caller.
#define MAX_UNSIZED (256u * 1024 * 1024)

typedef struct {
  uint8_t id[32];
  uint32_t transfer; // its blobs serve its later deltas as bases (native/recent_blobs.c); 0: none
  int32_t encoding, keep;
  int64_t size; // the size its file lists for it, or -1
  uint32_t use_start, use_count;
  uint32_t chain_start, chain_count; // a delta's stored bases, the plain one first
  const uint8_t *payload;
  size_t payload_len;
  int32_t status;
  uint8_t actual[32];
  uint8_t *kept; // decoded bytes handed back (malloc'd)
  size_t kept_len;
} job_t;

typedef struct {
  uint64_t offset, content_size;
  char *path; // where to write the bytes at `offset`, or NULL
  uint8_t *piece;
  size_t piece_len;
  uint8_t unwritten;
} use_t;

// A stored payload a delta is decoded from: where it lies in which pack, and its id.
typedef struct {
  uint8_t id[32];
  uint64_t offset, length;
  int32_t encoding;
  char *path;
} link_t;

typedef struct {
  napi_async_work work;
  napi_ref payloads, done;
  size_t n, m, c;
  job_t *jobs;
  use_t *uses;
  link_t *links;
} batch_t;

// Each pool thread keeps its decompression context and the buffer chunks are decoded into.
static __thread ZSTD_DCtx *dctx;
static __thread uint8_t *scratch;
static __thread size_t scratch_len;

static uint8_t *scratch_of(size_t len) {
  if (scratch_len < len) {
    free(scratch);
    scratch_len = len < (1u << 20) ? (1u << 20) : len;
    scratch = malloc(scratch_len);
    if (!scratch) scratch_len = 0;
  }
  return scratch;
}

// Decompresses one zstd frame (with `dict`, raw content, when given) into `out` (`cap`
// bytes): its length, or -1 when it is no frame of at most `cap` bytes.
static int64_t decompress(uint8_t *out, size_t cap, const uint8_t *src, size_t len, const uint8_t *dict, size_t dict_len) {
  if (!dctx && !(dctx = ZSTD_createDCtx())) return -1;
  size_t r = dict ? ZSTD_decompress_usingDict(dctx, out, cap, src, len, dict, dict_len) : ZSTD_decompressDCtx(dctx, out, cap, src, len);
  if (ZSTD_isError(r)) {
    // A frame that failed half-way may leave state behind: the next one gets a fresh context.
    ZSTD_freeDCtx(dctx);
    dctx = NULL;
    return -1;
  }
  return (int64_t)r;
}

// Writes into checked-out files take turns: threads writing one file at once contend for
// its inode lock in the kernel, which spins (measured: four writers of one file spent
// twice the system time of one for the same bytes).
static pthread_mutex_t write_turn = PTHREAD_MUTEX_INITIALIZER;

// Decodes one zstd frame, with `dict` (raw content) when given, into a new buffer of the
// size it states (at most MAX_UNSIZED); NULL when it does not decode or states no size.
static uint8_t *decode_frame(const uint8_t *src, size_t len, const uint8_t *dict, size_t dict_len, size_t *out_len) {
  unsigned long long stated = ZSTD_getFrameContentSize(src, len);
  if (stated == ZSTD_CONTENTSIZE_ERROR || stated == ZSTD_CONTENTSIZE_UNKNOWN || stated > MAX_UNSIZED) return NULL;
  uint8_t *out = malloc(stated ? (size_t)stated : 1);
  int64_t got = out ? decompress(out, (size_t)stated, src, len, dict, dict_len) : -1;
  if (got != (int64_t)stated) {
    free(out);
    return NULL;
  }
  *out_len = (size_t)got;
  return out;
}

static int hash_is(const uint8_t *bytes, size_t len, const uint8_t id[32], uint8_t actual[32]) {
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, bytes, len);
  blake3_hasher_finalize(&h, actual, 32);
  return memcmp(actual, id, 32) == 0;
}

// Reads a stored payload from its pack.
static uint8_t *read_link(const link_t *l) {
  if (l->length > MAX_UNSIZED) return NULL;
  int fd = open(l->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  uint8_t *buf = malloc(l->length ? (size_t)l->length : 1);
  size_t got = 0;
  while (buf && got < l->length) {
    ssize_t r = pread(fd, buf + got, (size_t)l->length - got, (off_t)(l->offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) { free(buf); buf = NULL; break; }
    got += (size_t)r;
  }
  close(fd);
  return buf;
}

// Bytes decoded here (owned) or held by the cache of recent blobs (borrowed).
typedef struct {
  const uint8_t *bytes;
  size_t len;
  uint8_t *owned;
  recent_blob_t *borrowed;
} held_t;

static void held_free(held_t *h) {
  free(h->owned);
  recent_release(h->borrowed);
  memset(h, 0, sizeof *h);
}

// The held bytes as a buffer of the caller's own (taken over, or copied from the cache).
static uint8_t *held_own(held_t *h) {
  uint8_t *out = h->owned;
  if (!out && (out = malloc(h->len ? h->len : 1))) memcpy(out, h->bytes, h->len);
  h->owned = NULL;
  held_free(h);
  return out;
}

// The bytes of blob `id` when the transfer's recent blobs hold them (borrowed); 0 when not.
static int recent_held(uint32_t transfer, const uint8_t id[32], held_t *out) {
  memset(out, 0, sizeof *out);
  return (out->borrowed = recent_take(transfer, id, &out->bytes, &out->len)) != NULL;
}

// The bytes of the last link of a chain of stored payloads, the plain one first: decoded
// in turn from the newest link the cache of recent blobs holds (or from the first), each
// but the first `unchecked` checked against its id and then remembered there. 0 when any
// cannot be read, decoded or checked (the caller decides).
//
// Links are left unchecked where a hash further on vouches for what they produce (the
// blob at the end of a chain, a received delta's result): hashing every base on the way
// was a quarter of the hashing in a checkout of a corrected file, and made fsck of four
// versions of a 537 MB CSV 4.35 s instead of 3.76 s. Unchecked bytes are
// never remembered, and when the final check fails the bases are checked after all (for
// a received delta by delta_result here, for a stored blob by the caller's own read), so
// a damaged base is still told apart from a wrong blob.
static int decode_chain(uint32_t transfer, const link_t *chain, uint32_t count, uint32_t unchecked, held_t *out) {
  held_t cur = {0};
  uint32_t from = 0;
  memset(out, 0, sizeof *out);
  if (count == 0) return 0;
  for (uint32_t i = count; i-- > 0;) {
    if (recent_held(transfer, chain[i].id, &cur)) { from = i + 1; break; }
  }
  uint8_t actual[32];
  for (uint32_t i = from; i < count; i++) {
    const link_t *l = &chain[i];
    uint8_t *stored = read_link(l), *next = NULL;
    size_t next_len = 0;
    if (!stored) break;
    if (i == 0 && l->encoding == ENCODING_RAW) { next = stored; next_len = (size_t)l->length; stored = NULL; }
    else if (i == 0 && l->encoding == ENCODING_ZSTD) next = decode_frame(stored, (size_t)l->length, NULL, 0, &next_len);
    else if (i > 0 && l->encoding == ENCODING_DELTA && l->length > DELTA_HEADER && memcmp(stored + 1, chain[i - 1].id, 32) == 0)
      next = decode_frame(stored + DELTA_HEADER, (size_t)l->length - DELTA_HEADER, cur.bytes, cur.len, &next_len);
    free(stored);
    held_free(&cur);
    if (!next) return 0;
    if (i >= unchecked) {
      if (!hash_is(next, next_len, l->id, actual)) { free(next); return 0; }
      recent_put(transfer, l->id, next, next_len);
    }
    cur.bytes = cur.owned = next;
    cur.len = next_len;
  }
  if (!cur.bytes) return 0;
  *out = cur;
  return 1;
}

static void write_out(use_t *u, const uint8_t *bytes, size_t len, int *fds, char **paths, size_t *open_n) {
  int fd = -1;
  for (size_t i = 0; i < *open_n; i++) if (strcmp(paths[i], u->path) == 0) fd = fds[i];
  if (fd < 0) {
    fd = open(u->path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) { u->unwritten = 1; return; }
    fds[*open_n] = fd;
    paths[(*open_n)++] = u->path;
  }
  size_t done = 0;
  pthread_mutex_lock(&write_turn);
  while (done < len) {
    ssize_t w = pwrite(fd, bytes + done, len - done, (off_t)(u->offset + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { u->unwritten = 1; break; }
    done += (size_t)w;
  }
  pthread_mutex_unlock(&write_turn);
}

// Decodes a received delta against its base (the end of its stored chain, whose first
// `unchecked` links go unchecked, or a blob this transfer verified lately) into j->kept
// and checks the result against its id: a status.
static int delta_result(job_t *j, const link_t *chain, uint32_t unchecked) {
  held_t base;
  // A base that does not read back right is this store's problem, which the caller words;
  // one sent without its chain that is no longer held here, the caller sends again with it.
  if (j->chain_count > 0 ? !decode_chain(j->transfer, chain, j->chain_count, unchecked, &base) : !recent_held(j->transfer, j->payload + 1, &base)) return DECODE_ELSEWHERE;
  size_t got;
  uint8_t *out = decode_frame(j->payload + DELTA_HEADER, j->payload_len - DELTA_HEADER, base.bytes, base.len, &got);
  held_free(&base);
  if (!out) return UNDECODABLE;
  if (j->size >= 0 && got != (size_t)j->size) { free(out); return WRONG_SIZE; }
  if (!hash_is(out, got, j->id, j->actual)) { free(out); return WRONG_HASH; }
  j->kept = out;
  j->kept_len = got;
  return VERIFIED;
}

static void verify_one(batch_t *b, job_t *j, int *fds, char **paths, size_t *open_n) {
  const uint8_t *bytes;
  size_t len;
  // Any other encoding (a delta with neither its stored bases nor a transfer that may hold
  // its base, or none dv writes) is the caller's to check and refuse.
  int delta_here = j->encoding == ENCODING_DELTA && (j->chain_count > 0 || j->transfer != 0);
  if (j->encoding != ENCODING_RAW && j->encoding != ENCODING_ZSTD && !delta_here && !(j->encoding == STORED && j->chain_count > 0)) { j->status = DECODE_ELSEWHERE; return; }
  if (j->encoding == STORED) {
    // The blob itself, the chain's last link, is checked against its id (its bases are
    // not: decode_chain). Any failure is the caller's to read again and name.
    const link_t *chain = &b->links[j->chain_start];
    uint32_t n = j->chain_count;
    if (memcmp(chain[n - 1].id, j->id, 32) != 0) { j->status = DECODE_ELSEWHERE; return; }
    held_t blob;
    if (!decode_chain(j->transfer, chain, n, n - 1, &blob)) { j->status = DECODE_ELSEWHERE; return; }
    j->kept_len = blob.len;
    if (!(j->kept = held_own(&blob))) { j->status = DECODE_ELSEWHERE; return; }
    bytes = j->kept;
    len = j->kept_len;
  } else if (j->encoding == ENCODING_DELTA) {
    const link_t *chain = &b->links[j->chain_start];
    if (j->payload_len <= DELTA_HEADER || (j->chain_count > 0 && memcmp(j->payload + 1, chain[j->chain_count - 1].id, 32) != 0)) { j->status = DECODE_ELSEWHERE; return; }
    // The result's hash vouches for the stored bases; when it fails they are checked, so
    // that a damaged base is not blamed on the sender.
    int status = delta_result(j, chain, j->chain_count);
    if (status != VERIFIED && j->chain_count > 0) status = delta_result(j, chain, 0);
    if (status != VERIFIED) { j->status = status; return; }
    bytes = j->kept;
    len = j->kept_len;
  } else if (j->encoding == ENCODING_RAW) {
    bytes = j->payload;
    len = j->payload_len;
  } else if (j->size >= 0) {
    // A chunk of files: decoded into the thread's buffer (its bytes go to the files, not back).
    uint8_t *out = scratch_of((size_t)j->size);
    if (!out) { j->status = UNDECODABLE; return; }
    int64_t got = decompress(out, (size_t)j->size, j->payload, j->payload_len, NULL, 0);
    if (got < 0) { j->status = UNDECODABLE; return; }
    bytes = out;
    len = (size_t)got;
  } else {
    unsigned long long stated = ZSTD_getFrameContentSize(j->payload, j->payload_len);
    if (stated == ZSTD_CONTENTSIZE_ERROR) { j->status = UNDECODABLE; return; }
    if (stated == ZSTD_CONTENTSIZE_UNKNOWN || stated > MAX_UNSIZED) { j->status = DECODE_ELSEWHERE; return; }
    if (!(j->kept = decode_frame(j->payload, j->payload_len, NULL, 0, &j->kept_len))) { j->status = UNDECODABLE; return; }
    bytes = j->kept;
    len = j->kept_len;
  }
  if (j->size >= 0 && len != (size_t)j->size) { j->status = WRONG_SIZE; return; }
  // (A stored blob was checked, and remembered, as the last link of its chain; a delta's result in delta_result.)
  if (j->encoding != STORED) {
    if (j->encoding != ENCODING_DELTA && !hash_is(bytes, len, j->id, j->actual)) { j->status = WRONG_HASH; return; }
    recent_put(j->transfer, j->id, bytes, len);
  }
  for (uint32_t k = 0; k < j->use_count; k++) {
    use_t *u = &b->uses[j->use_start + k];
    if (u->offset + len > u->content_size) { j->status = WRONG_SIZE; return; }
    uint8_t piece[PIECE_MAX];
    u->piece_len = make_piece(bytes, len, u->offset, u->content_size, piece);
    u->piece = malloc(u->piece_len);
    if (!u->piece) { j->status = DECODE_ELSEWHERE; return; }
    memcpy(u->piece, piece, u->piece_len);
    if (u->path) write_out(u, bytes, len, fds, paths, open_n);
  }
  // Bytes come back when asked for; a chunk's live in the thread's buffer, so they are copied.
  if (j->kept && !j->keep && j->use_count > 0) { free(j->kept); j->kept = NULL; }
  if (j->keep && !j->kept && j->encoding != ENCODING_RAW) {
    j->kept = malloc(len ? len : 1);
    if (!j->kept) { j->status = DECODE_ELSEWHERE; return; }
    memcpy(j->kept, bytes, len);
    j->kept_len = len;
  }
  j->status = VERIFIED;
}

static void execute(napi_env env, void *data) {
  (void)env;
  batch_t *b = data;
  int fds[64];
  char *paths[64];
  size_t open_n = 0;
  for (size_t i = 0; i < b->n; i++) {
    // The batch's files stay open until it ends (at most 64 at once).
    if (open_n > 60) { for (size_t k = 0; k < open_n; k++) close(fds[k]); open_n = 0; }
    verify_one(b, &b->jobs[i], fds, paths, &open_n);
  }
  for (size_t k = 0; k < open_n; k++) close(fds[k]);
}

static void free_kept(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static void free_batch(napi_env env, batch_t *b) {
  for (size_t i = 0; i < b->n; i++) free(b->jobs[i].kept);
  for (size_t k = 0; k < b->m; k++) { free(b->uses[k].path); free(b->uses[k].piece); }
  for (size_t k = 0; k < b->c; k++) free(b->links[k].path);
  free(b->links);
  if (b->payloads) napi_delete_reference(env, b->payloads);
  if (b->done) napi_delete_reference(env, b->done);
  if (b->work) napi_delete_async_work(env, b->work);
  free(b->jobs);
  free(b->uses);
  free(b);
}

static napi_value typed(napi_env env, napi_typedarray_type type, size_t count, size_t elem, void **data) {
  napi_value ab, arr;
  napi_create_arraybuffer(env, count * elem, data, &ab);
  napi_create_typedarray(env, type, count, ab, 0, &arr);
  return arr;
}

// done(status: Int32Array, actual: Uint8Array, kept: (Uint8Array | undefined)[], pieces: Uint8Array[], unwritten: Uint8Array)
static void complete(napi_env env, napi_status status, void *data) {
  batch_t *b = data;
  napi_value undefined, global, done, argv[5];
  napi_get_undefined(env, &undefined);
  napi_get_global(env, &global);
  napi_get_reference_value(env, b->done, &done);
  int32_t *st;
  uint8_t *actual, *unwritten;
  argv[0] = typed(env, napi_int32_array, b->n, 4, (void **)&st);
  argv[1] = typed(env, napi_uint8_array, b->n * 32, 1, (void **)&actual);
  napi_create_array_with_length(env, b->n, &argv[2]);
  napi_create_array_with_length(env, b->m, &argv[3]);
  argv[4] = typed(env, napi_uint8_array, b->m, 1, (void **)&unwritten);
  for (size_t i = 0; i < b->n; i++) {
    job_t *j = &b->jobs[i];
    st[i] = status == napi_ok ? j->status : DECODE_ELSEWHERE;
    memcpy(actual + i * 32, j->actual, 32);
    napi_value kept = undefined;
    if (j->kept && j->status == VERIFIED) {
      napi_value buf;
      void *copy;
      if (napi_create_external_buffer(env, j->kept_len, j->kept, free_kept, NULL, &buf) == napi_ok) j->kept = NULL;
      else napi_create_buffer_copy(env, j->kept_len, j->kept, &copy, &buf);
      kept = buf;
    }
    napi_set_element(env, argv[2], (uint32_t)i, kept);
  }
  for (size_t k = 0; k < b->m; k++) {
    use_t *u = &b->uses[k];
    napi_value piece = undefined;
    void *copy;
    if (u->piece) napi_create_buffer_copy(env, u->piece_len, u->piece, &copy, &piece);
    napi_set_element(env, argv[3], (uint32_t)k, piece);
    unwritten[k] = u->unwritten;
  }
  free_batch(env, b);
  napi_call_function(env, global, done, 5, argv, NULL);
}

static int read_f64(napi_env env, napi_value v, double **data, size_t *len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, len, (void **)data, &ab, &offset) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "expected a Float64Array");
    return 0;
  }
  return 1;
}

// native/dv_native.c
int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len);

// A string argument copied to the C heap (NULL for anything else); 0 when out of memory.
static int copy_path(napi_env env, napi_value v, char **out) {
  napi_valuetype t;
  size_t len;
  *out = NULL;
  napi_typeof(env, v, &t);
  if (t != napi_string) return 1;
  napi_get_value_string_utf8(env, v, NULL, 0, &len);
  if (!(*out = malloc(len + 1))) return 0;
  napi_get_value_string_utf8(env, v, *out, len + 1, &len);
  return 1;
}

#define META 6

// verifyBlobs(ids, meta, payloads, uses, paths, chainIds, chain, chainPaths, done): see src/native/native-addon.ts.
static napi_value verify_blobs(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *ids, *chain_ids;
  double *meta, *uses, *chain;
  size_t ids_len, meta_len, uses_len, chain_ids_len, chain_len, n, m, c;
  uint32_t payload_count, path_count, chain_path_count;
  if (argc < 9 || !typed_bytes(env, argv[0], &ids, &ids_len) || !read_f64(env, argv[1], &meta, &meta_len) || !read_f64(env, argv[3], &uses, &uses_len) ||
      !typed_bytes(env, argv[5], &chain_ids, &chain_ids_len) || !read_f64(env, argv[6], &chain, &chain_len)) return NULL;
  n = ids_len / 32;
  m = uses_len / 2;
  c = chain_ids_len / 32;
  if (napi_get_array_length(env, argv[2], &payload_count) != napi_ok || napi_get_array_length(env, argv[4], &path_count) != napi_ok ||
      napi_get_array_length(env, argv[7], &chain_path_count) != napi_ok ||
      meta_len != n * META || payload_count != n || path_count != m || chain_len != c * 3 || chain_path_count != c) {
    napi_throw_range_error(env, NULL, "verifyBlobs: the batch's arrays do not agree");
    return NULL;
  }
  batch_t *b = calloc(1, sizeof *b);
  if (!b) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  b->n = n;
  b->m = m;
  b->c = c;
  b->jobs = calloc(n ? n : 1, sizeof(job_t));
  b->uses = calloc(m ? m : 1, sizeof(use_t));
  b->links = calloc(c ? c : 1, sizeof(link_t));
  if (!b->jobs || !b->uses || !b->links) { free_batch(env, b); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  uint32_t next_use = 0, next_link = 0;
  for (size_t i = 0; i < n; i++) {
    job_t *j = &b->jobs[i];
    napi_value p;
    uint8_t *bytes;
    const double *f = meta + i * META;
    memcpy(j->id, ids + i * 32, 32);
    j->encoding = (int32_t)f[0];
    j->size = (int64_t)f[1];
    j->keep = f[2] != 0;
    j->use_count = (uint32_t)f[3];
    j->use_start = next_use;
    next_use += j->use_count;
    j->chain_count = (uint32_t)f[4];
    j->chain_start = next_link;
    next_link += j->chain_count;
    j->transfer = f[5] > 0 && f[5] <= UINT32_MAX ? (uint32_t)f[5] : 0;
    napi_get_element(env, argv[2], (uint32_t)i, &p);
    if (!typed_bytes(env, p, &bytes, &j->payload_len) || next_use > m || next_link > c) {
      free_batch(env, b);
      if (next_use > m || next_link > c) napi_throw_range_error(env, NULL, "verifyBlobs: more uses or bases named than given");
      return NULL;
    }
    j->payload = bytes;
  }
  for (size_t k = 0; k < m; k++) {
    use_t *u = &b->uses[k];
    napi_value p;
    u->offset = (uint64_t)uses[k * 2];
    u->content_size = (uint64_t)uses[k * 2 + 1];
    napi_get_element(env, argv[4], (uint32_t)k, &p);
    if (!copy_path(env, p, &u->path)) { free_batch(env, b); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  }
  for (size_t k = 0; k < c; k++) {
    link_t *l = &b->links[k];
    napi_value p;
    memcpy(l->id, chain_ids + k * 32, 32);
    l->offset = (uint64_t)chain[k * 3];
    l->length = (uint64_t)chain[k * 3 + 1];
    l->encoding = (int32_t)chain[k * 3 + 2];
    napi_get_element(env, argv[7], (uint32_t)k, &p);
    if (!copy_path(env, p, &l->path) || !l->path) {
      free_batch(env, b);
      napi_throw_error(env, NULL, "verifyBlobs: a base without its pack file");
      return NULL;
    }
  }
  // The payloads stay alive (and their bytes in place) until the batch completes.
  napi_value name;
  napi_create_string_utf8(env, "dv:verifyBlobs", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[2], 1, &b->payloads) != napi_ok || napi_create_reference(env, argv[8], 1, &b->done) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, b, &b->work) != napi_ok || napi_queue_async_work(env, b->work) != napi_ok) {
    free_batch(env, b);
    napi_throw_error(env, NULL, "verifyBlobs: could not queue the batch");
    return NULL;
  }
  return NULL;
}

// forgetTransfer(transfer): drops what verifyBlobs keeps for a transfer that has ended.
static napi_value forget_transfer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t transfer = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &transfer) != napi_ok) {
    napi_throw_type_error(env, NULL, "forgetTransfer: expected a transfer number");
    return NULL;
  }
  if (transfer != 0) recent_forget(transfer);
  return NULL;
}

void define_verify_blobs(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"verifyBlobs", NULL, verify_blobs, NULL, NULL, NULL, napi_default, NULL},
    {"forgetTransfer", NULL, forget_transfer, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
}
