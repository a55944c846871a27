// A BLAKE3 hash of a long content computed in pieces on several threads and joined in
// order: a piece is one stretch of the content (a chunk of a file at its offset), reduced
// to the chaining values of the whole 1 KiB BLAKE3 chunks it holds, plus the bytes at its
// two ends that share a BLAKE3 chunk with the neighbouring pieces. Joining pieces in order
// gives the same state, and so the same digest, as hashing the content in one go: the
// chaining values are pushed exactly as blake3_hasher_update pushes them.
//
// blake3.c is compiled here (not on its own) for its static helpers.
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#include "blake3.c"
#include "hash_pieces.h"

// Piece layout (native byte order; made and read only here):
//   u64 offset, u64 start_chunk, u64 end_chunk, u32 head_len, u32 tail_len, u32 pushes, u32 0,
//   head bytes, tail bytes, pushes x { u8 cv[32], u64 chunk_counter }.
// Chunks [start_chunk, end_chunk) are the whole BLAKE3 chunks it holds (none: both 0).

typedef struct {
  uint64_t offset, start_chunk, end_chunk;
  uint32_t head_len, tail_len, pushes, zero;
} piece_header;

// native/dv_native.c: the bytes of a Uint8Array argument (throws a TypeError otherwise).
int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *len);

// Reduces `bytes`, at `offset` in content of `file_size` bytes, to its piece in `out`
// (at least PIECE_MAX bytes); returns the piece's length. The caller checks that the bytes
// lie within the content. Safe on any thread.
size_t make_piece(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t file_size, uint8_t *out) {
  uint64_t start = offset, end = start + len;
  // The content's last BLAKE3 chunk is finalized as the root or beside it: never a pushed CV.
  uint64_t last_chunk_start = file_size == 0 ? 0 : ((file_size - 1) / BLAKE3_CHUNK_LEN) * BLAKE3_CHUNK_LEN;
  uint64_t mid_start = (start + BLAKE3_CHUNK_LEN - 1) / BLAKE3_CHUNK_LEN * BLAKE3_CHUNK_LEN;
  uint64_t mid_end = end / BLAKE3_CHUNK_LEN * BLAKE3_CHUNK_LEN;
  if (mid_end > last_chunk_start) mid_end = last_chunk_start;

  uint8_t pushes[MAX_PUSHES * PUSH_LEN];
  piece_header h = {start, 0, 0, (uint32_t)len, 0, 0, 0};
  if (mid_start < mid_end) {
    h.start_chunk = mid_start / BLAKE3_CHUNK_LEN;
    h.end_chunk = mid_end / BLAKE3_CHUNK_LEN;
    h.head_len = (uint32_t)(mid_start - start);
    h.tail_len = (uint32_t)(end - mid_end);
    // The subtree walk of blake3_hasher_update, with its pushes recorded instead of merged.
    const uint8_t *input = bytes + h.head_len;
    size_t input_len = (size_t)(mid_end - mid_start);
    uint64_t counter = h.start_chunk;
    while (input_len > 0) {
      size_t subtree_len = round_down_to_power_of_2(input_len);
      while ((((uint64_t)(subtree_len - 1)) & (counter * BLAKE3_CHUNK_LEN)) != 0) subtree_len /= 2;
      uint64_t subtree_chunks = subtree_len / BLAKE3_CHUNK_LEN;
      uint8_t *at = pushes + h.pushes * PUSH_LEN;
      if (subtree_len <= BLAKE3_CHUNK_LEN) {
        blake3_chunk_state cs;
        chunk_state_init(&cs, IV, 0);
        cs.chunk_counter = counter;
        chunk_state_update(&cs, input, subtree_len);
        output_t o = chunk_state_output(&cs);
        output_chaining_value(&o, at);
        memcpy(at + BLAKE3_OUT_LEN, &counter, 8);
        h.pushes += 1;
      } else {
        uint8_t pair[2 * BLAKE3_OUT_LEN];
        compress_subtree_to_parent_node(input, subtree_len, IV, counter, 0, pair);
        uint64_t second = counter + subtree_chunks / 2;
        memcpy(at, pair, BLAKE3_OUT_LEN);
        memcpy(at + BLAKE3_OUT_LEN, &counter, 8);
        memcpy(at + PUSH_LEN, pair + BLAKE3_OUT_LEN, BLAKE3_OUT_LEN);
        memcpy(at + PUSH_LEN + BLAKE3_OUT_LEN, &second, 8);
        h.pushes += 2;
      }
      counter += subtree_chunks;
      input += subtree_len;
      input_len -= subtree_len;
    }
  }
  size_t total = PIECE_HEADER + h.head_len + h.tail_len + (size_t)h.pushes * PUSH_LEN;
  memcpy(out, &h, PIECE_HEADER);
  memcpy(out + PIECE_HEADER, bytes, h.head_len);
  memcpy(out + PIECE_HEADER + h.head_len, bytes + len - h.tail_len, h.tail_len);
  memcpy(out + PIECE_HEADER + h.head_len + h.tail_len, pushes, (size_t)h.pushes * PUSH_LEN);
  return total;
}

// filePiece(bytes: Uint8Array, offset: number, fileSize: number): Uint8Array
static napi_value file_piece(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *bytes;
  size_t len;
  int64_t offset, file_size;
  if (argc < 3 || !typed_bytes(env, argv[0], &bytes, &len)) return NULL;
  napi_get_value_int64(env, argv[1], &offset);
  napi_get_value_int64(env, argv[2], &file_size);
  if (offset < 0 || (uint64_t)offset + len > (uint64_t)file_size) {
    napi_throw_range_error(env, NULL, "piece outside the content");
    return NULL;
  }
  uint8_t out[PIECE_MAX];
  size_t total = make_piece(bytes, len, (uint64_t)offset, (uint64_t)file_size, out);
  void *data;
  napi_value ab, result;
  if (napi_create_arraybuffer(env, total, &data, &ab) != napi_ok) return NULL;
  memcpy(data, out, total);
  napi_create_typedarray(env, napi_uint8_array, total, ab, 0, &result);
  return result;
}

// The joining hasher's state lives in a Uint8Array the caller holds (no native object to
// free); it is copied to an aligned struct for each call. Reads the (state, bytes)
// arguments every hasher call takes.
static int hasher_call(napi_env env, napi_callback_info info, blake3_hasher *h, uint8_t **state, uint8_t **bytes, size_t *len) {
  size_t argc = 2, state_len;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || !typed_bytes(env, argv[0], state, &state_len) || !typed_bytes(env, argv[1], bytes, len)) return 0;
  if (state_len != sizeof(blake3_hasher)) {
    napi_throw_range_error(env, NULL, "not a piece hasher state");
    return 0;
  }
  memcpy(h, *state, sizeof *h);
  return 1;
}

// pieceHasherNew(): Uint8Array
static napi_value piece_hasher_new(napi_env env, napi_callback_info info) {
  (void)info;
  void *data;
  napi_value ab, result;
  if (napi_create_arraybuffer(env, sizeof(blake3_hasher), &data, &ab) != napi_ok) return NULL;
  blake3_hasher h;
  blake3_hasher_init(&h);
  memcpy(data, &h, sizeof h);
  napi_create_typedarray(env, napi_uint8_array, sizeof(blake3_hasher), ab, 0, &result);
  return result;
}

// The content offset a hasher has reached.
static uint64_t hasher_position(const blake3_hasher *h) {
  return h->chunk.chunk_counter * BLAKE3_CHUNK_LEN + chunk_state_len(&h->chunk);
}

// pieceHasherUpdate(state, bytes): void — the next bytes of the content, in order.
static napi_value piece_hasher_update(napi_env env, napi_callback_info info) {
  blake3_hasher h;
  uint8_t *state, *bytes;
  size_t len;
  if (!hasher_call(env, info, &h, &state, &bytes, &len)) return NULL;
  blake3_hasher_update(&h, bytes, len);
  memcpy(state, &h, sizeof h);
  return NULL;
}

// pieceHasherAdd(state, piece): void — the next piece of the content, in order.
static napi_value piece_hasher_add(napi_env env, napi_callback_info info) {
  blake3_hasher h;
  uint8_t *state, *piece;
  size_t len;
  if (!hasher_call(env, info, &h, &state, &piece, &len)) return NULL;
  piece_header ph;
  if (len < PIECE_HEADER) goto malformed;
  memcpy(&ph, piece, PIECE_HEADER);
  if (ph.pushes > MAX_PUSHES || len != PIECE_HEADER + (size_t)ph.head_len + ph.tail_len + (size_t)ph.pushes * PUSH_LEN) goto malformed;
  if (ph.offset != hasher_position(&h)) {
    napi_throw_range_error(env, NULL, "piece out of order");
    return NULL;
  }
  const uint8_t *head = piece + PIECE_HEADER, *tail = head + ph.head_len, *push = tail + ph.tail_len;
  blake3_hasher_update(&h, head, ph.head_len);
  if (ph.end_chunk > ph.start_chunk) {
    // A chunk the head just filled is pushed now that more content is known to follow.
    if (chunk_state_len(&h.chunk) == BLAKE3_CHUNK_LEN) {
      output_t out = chunk_state_output(&h.chunk);
      uint8_t cv[BLAKE3_OUT_LEN];
      output_chaining_value(&out, cv);
      hasher_push_cv(&h, cv, h.chunk.chunk_counter);
      chunk_state_reset(&h.chunk, h.key, h.chunk.chunk_counter + 1);
    }
    if (chunk_state_len(&h.chunk) != 0 || h.chunk.chunk_counter != ph.start_chunk) goto malformed;
    for (uint32_t i = 0; i < ph.pushes; i++) {
      uint8_t cv[BLAKE3_OUT_LEN];
      uint64_t counter;
      memcpy(cv, push + i * PUSH_LEN, BLAKE3_OUT_LEN);
      memcpy(&counter, push + i * PUSH_LEN + BLAKE3_OUT_LEN, 8);
      if (counter < ph.start_chunk || counter >= ph.end_chunk) goto malformed;
      hasher_push_cv(&h, cv, counter);
    }
    chunk_state_reset(&h.chunk, h.key, ph.end_chunk);
  }
  blake3_hasher_update(&h, tail, ph.tail_len);
  memcpy(state, &h, sizeof h);
  return NULL;
malformed:
  napi_throw_range_error(env, NULL, "malformed hash piece");
  return NULL;
}

// pieceHasherDigest(state, out /* >= 32 bytes */): void
static napi_value piece_hasher_digest(napi_env env, napi_callback_info info) {
  blake3_hasher h;
  uint8_t *state, *out;
  size_t len;
  if (!hasher_call(env, info, &h, &state, &out, &len)) return NULL;
  if (len < BLAKE3_OUT_LEN) {
    napi_throw_range_error(env, NULL, "output buffer shorter than 32 bytes");
    return NULL;
  }
  blake3_hasher_finalize(&h, out, BLAKE3_OUT_LEN);
  return NULL;
}

void define_hash_pieces(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"filePiece", NULL, file_piece, NULL, NULL, NULL, napi_default, NULL},
    {"pieceHasherNew", NULL, piece_hasher_new, NULL, NULL, NULL, napi_default, NULL},
    {"pieceHasherUpdate", NULL, piece_hasher_update, NULL, NULL, NULL, napi_default, NULL},
    {"pieceHasherAdd", NULL, piece_hasher_add, NULL, NULL, NULL, napi_default, NULL},
    {"pieceHasherDigest", NULL, piece_hasher_digest, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
