// Native hot loops for dv: one-shot BLAKE3 into a caller's buffer (no per-call hasher
// object left for the garbage collector), the FastCDC cut search, line-break search and
// the first difference of two byte ranges, lstat of a directory's entries, and the stat
// half of a status (native/status_scan.c), and space reserved for a file about to be written.
// Each must agree bit for bit with its JavaScript version in src/hash, src/chunker,
// src/rows and src/worktree/scan.ts (tested).
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "blake3.h"

static uint32_t GEAR[256];

static void init_gear(void) {
  // xorshift32 seeded with 0x2545f491, as GEAR in src/chunker/fastcdc.ts.
  uint32_t s = 0x2545f491u;
  for (int i = 0; i < 256; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    GEAR[i] = s;
  }
}

int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  void *base;
  if (napi_get_typedarray_info(env, v, &type, &length, &base, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return 0;
  }
  *data = (uint8_t *)base;
  *len = length;
  return 1;
}

// Reads the (bytes, start, end) arguments at argv[0..2]; throws a RangeError saying
// "`what` outside the buffer" when [start, end) does not lie within the bytes.
static int byte_range(napi_env env, napi_value *argv, uint8_t **buf, size_t *len, int64_t *start, int64_t *end, const char *what) {
  if (!typed_bytes(env, argv[0], buf, len)) return 0;
  napi_get_value_int64(env, argv[1], start);
  napi_get_value_int64(env, argv[2], end);
  if (*start < 0 || *end > (int64_t)*len || *start > *end) {
    char msg[64];
    snprintf(msg, sizeof msg, "%s outside the buffer", what);
    napi_throw_range_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

// hashInto(input: Uint8Array, out: Uint8Array /* >= 32 bytes */): void
static napi_value hash_into(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *in, *out;
  size_t in_len, out_len;
  if (argc < 2 || !typed_bytes(env, argv[0], &in, &in_len) || !typed_bytes(env, argv[1], &out, &out_len)) return NULL;
  if (out_len < BLAKE3_OUT_LEN) {
    napi_throw_range_error(env, NULL, "output buffer shorter than 32 bytes");
    return NULL;
  }
  blake3_hasher h;
  blake3_hasher_init(&h);
  blake3_hasher_update(&h, in, in_len);
  blake3_hasher_finalize(&h, out, BLAKE3_OUT_LEN);
  return NULL;
}

// findCut(buf, start, end, min, avg, max, maskS, maskL, final): number (-1: need more data)
static napi_value find_cut(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *buf;
  size_t len;
  int64_t start, end, min, avg, max;
  if (argc < 9 || !byte_range(env, argv, &buf, &len, &start, &end, "cut search")) return NULL;
  uint32_t mask_s, mask_l;
  bool final;
  napi_get_value_int64(env, argv[3], &min);
  napi_get_value_int64(env, argv[4], &avg);
  napi_get_value_int64(env, argv[5], &max);
  napi_get_value_uint32(env, argv[6], &mask_s);
  napi_get_value_uint32(env, argv[7], &mask_l);
  napi_get_value_bool(env, argv[8], &final);
  int64_t cut = -1;
  int64_t avail = end - start;
  if (avail <= min) {
    cut = final ? end : -1;
  } else {
    int64_t hard_end = start + max < end ? start + max : end;
    int64_t normal = start + avg < hard_end ? start + avg : hard_end;
    uint32_t h = 0;
    int64_t i = start + min;
    for (; i < normal; i++) {
      h = (h << 1) + GEAR[buf[i]];
      if ((h & mask_s) == 0) { cut = i + 1; goto done; }
    }
    for (; i < hard_end; i++) {
      h = (h << 1) + GEAR[buf[i]];
      if ((h & mask_l) == 0) { cut = i + 1; goto done; }
    }
    if (hard_end == start + max) cut = hard_end;
    else cut = final ? end : -1;
  }
done:;
  napi_value result;
  napi_create_int64(env, cut, &result);
  return result;
}

// lineBreaks(buf, start, end, out: Int32Array): number — the offsets of the '\n' bytes in
// buf[start, end), in order, as many as `out` holds; returns how many were written.
static napi_value line_breaks(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *buf;
  size_t len;
  int64_t start, end;
  if (argc < 4 || !byte_range(env, argv, &buf, &len, &start, &end, "line search")) return NULL;
  napi_typedarray_type type;
  size_t out_len, offset;
  napi_value ab;
  void *base;
  if (napi_get_typedarray_info(env, argv[3], &type, &out_len, &base, &ab, &offset) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "expected an Int32Array");
    return NULL;
  }
  if (len > INT32_MAX) {
    napi_throw_range_error(env, NULL, "line search outside the buffer");
    return NULL;
  }
  int32_t *out = (int32_t *)base;
  size_t n = 0;
  const uint8_t *p = buf + start;
  const uint8_t *e = buf + end;
  while (n < out_len && p < e) {
    const uint8_t *q = memchr(p, '\n', (size_t)(e - p));
    if (!q) break;
    out[n++] = (int32_t)(q - buf);
    p = q + 1;
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)n, &result);
  return result;
}

// countRecords(buf, start, end): number — how many of the lines ending in buf[start, end)
// (`start` begins a line) hold something: line feeds, less those ending an empty line or a
// lone "\r" (the blank lines a record cursor skips).
static napi_value count_records(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *buf;
  size_t len;
  int64_t start, end;
  if (argc < 3 || !byte_range(env, argv, &buf, &len, &start, &end, "line count")) return NULL;
  int64_t n = 0;
  const uint8_t *line = buf + start;
  const uint8_t *e = buf + end;
  for (;;) {
    const uint8_t *q = memchr(line, '\n', (size_t)(e - line));
    if (!q) break;
    int64_t width = q - line;
    if (width > 1 || (width == 1 && line[0] != '\r')) n++;
    line = q + 1;
  }
  napi_value result;
  napi_create_int64(env, n, &result);
  return result;
}

// firstDifference(a, aStart, b, bStart, n): number — the first i < n where
// a[aStart + i] != b[bStart + i], or n when the ranges are the same bytes.
static napi_value first_difference(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *a, *b;
  size_t a_len, b_len;
  if (argc < 5 || !typed_bytes(env, argv[0], &a, &a_len) || !typed_bytes(env, argv[2], &b, &b_len)) return NULL;
  int64_t a_start, b_start, n;
  napi_get_value_int64(env, argv[1], &a_start);
  napi_get_value_int64(env, argv[3], &b_start);
  napi_get_value_int64(env, argv[4], &n);
  if (a_start < 0 || b_start < 0 || n < 0 || a_start + n > (int64_t)a_len || b_start + n > (int64_t)b_len) {
    napi_throw_range_error(env, NULL, "comparison outside the buffers");
    return NULL;
  }
  const uint8_t *p = a + a_start, *q = b + b_start;
  int64_t i = 0;
  // memcmp (vectorised by libc) a block at a time while equal, then the differing block byte by byte.
  for (; i + 256 <= n; i += 256) {
    if (memcmp(p + i, q + i, 256) != 0) break;
  }
  while (i < n && p[i] == q[i]) i++;
  napi_value result;
  napi_create_int64(env, i, &result);
  return result;
}

// lstatNames(dir, names, out): lstat of each name in directory `dir` (fstatat against
// one open directory: no path building, no stat object per file). Writes six doubles per
// name to the Float64Array `out`: mode, size, mtimeMs, ctimeMs, ino, dev, with the
// times computed as Node computes Stats.mtimeMs; a failed lstat writes -errno as the mode.
// Throws when the directory itself cannot be opened.
#define LSTAT_FIELDS 6
static napi_value lstat_names(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) { napi_throw_type_error(env, NULL, "expected (dir, names, out)"); return NULL; }
  char dir[4096];
  size_t dir_len;
  if (napi_get_value_string_utf8(env, argv[0], dir, sizeof dir, &dir_len) != napi_ok || dir_len >= sizeof dir - 1) {
    napi_throw_type_error(env, NULL, "expected a directory path shorter than 4096 bytes");
    return NULL;
  }
  uint32_t n;
  if (napi_get_array_length(env, argv[1], &n) != napi_ok) { napi_throw_type_error(env, NULL, "expected an array of names"); return NULL; }
  napi_typedarray_type type;
  size_t out_len;
  void *out_data;
  if (napi_get_typedarray_info(env, argv[2], &type, &out_len, &out_data, NULL, NULL) != napi_ok || type != napi_float64_array || out_len < (size_t)n * LSTAT_FIELDS) {
    napi_throw_type_error(env, NULL, "expected a Float64Array of six numbers per name");
    return NULL;
  }
  double *out = (double *)out_data;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "cannot open directory: %s", strerror(errno));
    napi_throw_error(env, errno == ENOENT ? "ENOENT" : errno == ENOTDIR ? "ENOTDIR" : "EIO", msg);
    return NULL;
  }
  char name[1024];
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len;
    double *o = out + (size_t)i * LSTAT_FIELDS;
    struct stat st;
    if (napi_get_element(env, argv[1], i, &v) != napi_ok || napi_get_value_string_utf8(env, v, name, sizeof name, &len) != napi_ok || len >= sizeof name - 1) {
      o[0] = -ENAMETOOLONG;
      continue;
    }
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      o[0] = -(double)errno;
      continue;
    }
    o[0] = (double)st.st_mode;
    o[1] = (double)st.st_size;
    o[2] = (double)st.st_mtim.tv_sec * 1e3 + (double)st.st_mtim.tv_nsec / 1e6;
    o[3] = (double)st.st_ctim.tv_sec * 1e3 + (double)st.st_ctim.tv_nsec / 1e6;
    o[4] = (double)st.st_ino;
    o[5] = (double)st.st_dev;
  }
  close(dfd);
  return NULL;
}

// preallocate(fd, size): reserves the file's blocks up to `size` (and sets its size) with
// fallocate, so writing it does not allocate block by block; true when done, false where
// the filesystem or system cannot (the writes then allocate as usual).
static napi_value preallocate(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  int64_t size;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &size) != napi_ok || fd < 0 || size < 0) {
    napi_throw_type_error(env, NULL, "preallocate(fd, size): expected a file descriptor and a size");
    return NULL;
  }
  int done = 0;
#ifdef __linux__
  done = size == 0 || fallocate(fd, 0, 0, (off_t)size) == 0;
#endif
  napi_value result;
  napi_get_boolean(env, done, &result);
  return result;
}

// native/status_scan.c
napi_value scan_changes(napi_env env, napi_callback_info info);
// native/hash_pieces.c
void define_hash_pieces(napi_env env, napi_value exports);
// native/verify_blobs.c
void define_verify_blobs(napi_env env, napi_value exports);
// native/delta_compress.c
void define_delta_compress(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  init_gear();
  napi_property_descriptor props[] = {
    {"hashInto", NULL, hash_into, NULL, NULL, NULL, napi_default, NULL},
    {"findCut", NULL, find_cut, NULL, NULL, NULL, napi_default, NULL},
    {"lineBreaks", NULL, line_breaks, NULL, NULL, NULL, napi_default, NULL},
    {"firstDifference", NULL, first_difference, NULL, NULL, NULL, napi_default, NULL},
    {"countRecords", NULL, count_records, NULL, NULL, NULL, napi_default, NULL},
    {"lstatNames", NULL, lstat_names, NULL, NULL, NULL, napi_default, NULL},
    {"scanChanges", NULL, scan_changes, NULL, NULL, NULL, napi_default, NULL},
    {"preallocate", NULL, preallocate, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  define_hash_pieces(env, exports);
  define_verify_blobs(env, exports);
  define_delta_compress(env, exports);
  return exports;
}
