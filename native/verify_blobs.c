// Verifying received blobs off the JavaScript threads: a batch of payloads is decoded
// (raw, or one zstd frame), hashed against its ids and, for a chunk of files being
// received, reduced to its pieces of those files' hashes (native/hash_pieces.c) and
// written into them, all on libuv's thread pool. No JavaScript runs there, so a transfer
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
#include "zstd.h"

// Outcomes, as src/native/native-addon.ts names them.
enum { VERIFIED = 0, UNDECODABLE = 1, WRONG_SIZE = 2, WRONG_HASH = 3, DECODE_ELSEWHERE = 4 };
#define ENCODING_RAW 0
#define ENCODING_ZSTD 1
// A frame that does not state its size, or states more than this, is left to the caller.
#define MAX_UNSIZED (256u * 1024 * 1024)

typedef struct {
  uint8_t id[32];
  int32_t encoding, keep;
  int64_t size; // the size its file lists for it, or -1
  uint32_t use_start, use_count;
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

typedef struct {
  napi_async_work work;
  napi_ref payloads, done;
  size_t n, m;
  job_t *jobs;
  use_t *uses;
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

// Decodes a zstd payload into `out` (`cap` bytes): its length, or -1 when it is no frame of at most `cap` bytes.
static int64_t decode_zstd(const job_t *j, uint8_t *out, size_t cap) {
  if (!dctx && !(dctx = ZSTD_createDCtx())) return -1;
  size_t r = ZSTD_decompressDCtx(dctx, out, cap, j->payload, j->payload_len);
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

static void verify_one(batch_t *b, job_t *j, int *fds, char **paths, size_t *open_n) {
  const uint8_t *bytes;
  size_t len;
  // Any other encoding (a delta, or none dv writes) is the caller's to check and refuse.
  if (j->encoding != ENCODING_RAW && j->encoding != ENCODING_ZSTD) { j->status = DECODE_ELSEWHERE; return; }
  if (j->encoding == ENCODING_RAW) {
    bytes = j->payload;
    len = j->payload_len;
  } else if (j->size >= 0) {
    // A chunk of files: decoded into the thread's buffer (its bytes go to the files, not back).
    uint8_t *out = scratch_of((size_t)j->size);
    if (!out) { j->status = UNDECODABLE; return; }
    int64_t got = decode_zstd(j, out, (size_t)j->size);
    if (got < 0) { j->status = UNDECODABLE; return; }
    bytes = out;
    len = (size_t)got;
  } else {
    unsigned long long stated = ZSTD_getFrameContentSize(j->payload, j->payload_len);
    if (stated == ZSTD_CONTENTSIZE_ERROR) { j->status = UNDECODABLE; return; }
    if (stated == ZSTD_CONTENTSIZE_UNKNOWN || stated > MAX_UNSIZED) { j->status = DECODE_ELSEWHERE; return; }
    uint8_t *out = malloc(stated ? (size_t)stated : 1);
    if (!out) { j->status = DECODE_ELSEWHERE; return; }
    int64_t got = decode_zstd(j, out, (size_t)stated);
    if (got < 0) { free(out); j->status = UNDECODABLE; return; }
    j->kept = out;
    j->kept_len = (size_t)got;
    bytes = out;
    len = (size_t)got;
  }
  if (j->size >= 0 && len != (size_t)j->size) { j->status = WRONG_SIZE; return; }
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, bytes, len);
  blake3_hasher_finalize(&h, j->actual, 32);
  if (memcmp(j->actual, j->id, 32) != 0) { j->status = WRONG_HASH; return; }
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

// verifyBlobs(ids, meta, payloads, uses, paths, done): see VerifyBlobs in src/native/native-addon.ts.
static napi_value verify_blobs(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *ids;
  double *meta, *uses;
  size_t ids_len, meta_len, uses_len, n, m;
  uint32_t payload_count, path_count;
  if (argc < 6 || !typed_bytes(env, argv[0], &ids, &ids_len) || !read_f64(env, argv[1], &meta, &meta_len) || !read_f64(env, argv[3], &uses, &uses_len)) return NULL;
  n = ids_len / 32;
  m = uses_len / 2;
  if (napi_get_array_length(env, argv[2], &payload_count) != napi_ok || napi_get_array_length(env, argv[4], &path_count) != napi_ok ||
      meta_len != n * 4 || payload_count != n || path_count != m) {
    napi_throw_range_error(env, NULL, "verifyBlobs: the batch's arrays do not agree");
    return NULL;
  }
  batch_t *b = calloc(1, sizeof *b);
  if (!b) { napi_throw_error(env, NULL, "out of memory"); return NULL; }
  b->n = n;
  b->m = m;
  b->jobs = calloc(n ? n : 1, sizeof(job_t));
  b->uses = calloc(m ? m : 1, sizeof(use_t));
  if (!b->jobs || !b->uses) { free_batch(env, b); napi_throw_error(env, NULL, "out of memory"); return NULL; }
  uint32_t next_use = 0;
  for (size_t i = 0; i < n; i++) {
    job_t *j = &b->jobs[i];
    napi_value p;
    uint8_t *bytes;
    memcpy(j->id, ids + i * 32, 32);
    j->encoding = (int32_t)meta[i * 4];
    j->size = (int64_t)meta[i * 4 + 1];
    j->keep = meta[i * 4 + 2] != 0;
    j->use_count = (uint32_t)meta[i * 4 + 3];
    j->use_start = next_use;
    next_use += j->use_count;
    napi_get_element(env, argv[2], (uint32_t)i, &p);
    if (!typed_bytes(env, p, &bytes, &j->payload_len) || next_use > m) {
      free_batch(env, b);
      if (next_use > m) napi_throw_range_error(env, NULL, "verifyBlobs: more uses named than given");
      return NULL;
    }
    j->payload = bytes;
  }
  for (size_t k = 0; k < m; k++) {
    use_t *u = &b->uses[k];
    napi_value p;
    napi_valuetype t;
    u->offset = (uint64_t)uses[k * 2];
    u->content_size = (uint64_t)uses[k * 2 + 1];
    napi_get_element(env, argv[4], (uint32_t)k, &p);
    napi_typeof(env, p, &t);
    if (t == napi_string) {
      size_t plen;
      napi_get_value_string_utf8(env, p, NULL, 0, &plen);
      u->path = malloc(plen + 1);
      if (!u->path) { free_batch(env, b); napi_throw_error(env, NULL, "out of memory"); return NULL; }
      napi_get_value_string_utf8(env, p, u->path, plen + 1, &plen);
    }
  }
  // The payloads stay alive (and their bytes in place) until the batch completes.
  napi_value name;
  napi_create_string_utf8(env, "dv:verifyBlobs", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[2], 1, &b->payloads) != napi_ok || napi_create_reference(env, argv[5], 1, &b->done) != napi_ok ||
      napi_create_async_work(env, NULL, name, execute, complete, b, &b->work) != napi_ok || napi_queue_async_work(env, b->work) != napi_ok) {
    free_batch(env, b);
    napi_throw_error(env, NULL, "verifyBlobs: could not queue the batch");
    return NULL;
  }
  return NULL;
}

void define_verify_blobs(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"verifyBlobs", NULL, verify_blobs, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 1, props);
}
