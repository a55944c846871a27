// Pieces of a content's BLAKE3 hash (native/hash_pieces.c), for the other native files.
#ifndef DV_HASH_PIECES_H
#define DV_HASH_PIECES_H
#include <stddef.h>
#include <stdint.h>

#define PIECE_HEADER 40
#define PUSH_LEN (32 + 8)
// Subtrees grow to the alignment, then shrink to the length: two CVs per step, two steps per bit.
#define MAX_PUSHES 256
// A piece's largest size: a head and tail within three BLAKE3 chunks, and every push.
#define PIECE_MAX (PIECE_HEADER + 3 * 1024 + MAX_PUSHES * PUSH_LEN)

size_t make_piece(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t file_size, uint8_t *out);

#endif
