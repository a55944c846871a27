// Compresses a chunk as a delta against the chunk it replaces: one zstd frame with the base's
// bytes as a raw-content prefix (ZSTD_CCtx_refPrefix), which references them for that frame
// only. Loading the base as a dictionary (ZSTD_CCtx_loadDictionary, all zstd-napi offers
// with parameters) builds a dictionary object on every call: 390 us for a 75 KB chunk of
// the scattered 1% correction where this takes 63 us. The frame decodes with the base as a
// raw-content dictionary, as every delta does (record.ts applyDelta, verify_blobs.c).
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include "zstd.h"

// native/dv_native.c: the bytes of a Uint8Array argument (throws a TypeError otherwise).
int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len);

// One context per thread (the main thread and encode workers each compress).
static __thread ZSTD_CCtx *cctx;

// deltaCompress(bytes, base, level, hashLog, windowLog, out): compresses `bytes` against
// `base` into `out`; returns the frame's length, or -1 when it does not fit in `out`.
static napi_value delta_compress(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *src, *base, *out;
  size_t src_len, base_len, out_len;
  int32_t level, hash_log, window_log;
  if (argc < 6 || napi_get_value_int32(env, argv[2], &level) != napi_ok || napi_get_value_int32(env, argv[3], &hash_log) != napi_ok ||
      napi_get_value_int32(env, argv[4], &window_log) != napi_ok) {
    napi_throw_type_error(env, NULL, "deltaCompress(bytes, base, level, hashLog, windowLog, out): expected bytes, a base, three numbers and an output buffer");
    return NULL;
  }
  // typed_bytes throws for an argument that is not a Uint8Array.
  if (!typed_bytes(env, argv[0], &src, &src_len) || !typed_bytes(env, argv[1], &base, &base_len) || !typed_bytes(env, argv[5], &out, &out_len)) return NULL;
  if (!cctx && !(cctx = ZSTD_createCCtx())) {
    napi_throw_error(env, NULL, "deltaCompress: out of memory");
    return NULL;
  }
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, hash_log);
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
  if (!ZSTD_isError(r)) r = ZSTD_CCtx_refPrefix(cctx, base, base_len);
  if (!ZSTD_isError(r)) r = ZSTD_compress2(cctx, out, out_len, src, src_len);
  napi_value result;
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall) {
      napi_create_int32(env, -1, &result);
      return result;
    }
    napi_throw_error(env, NULL, ZSTD_getErrorName(r));
    return NULL;
  }
  napi_create_double(env, (double)r, &result);
  return result;
}

void define_delta_compress(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"deltaCompress", NULL, delta_compress, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
