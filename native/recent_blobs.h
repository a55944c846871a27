// Recently verified blobs' decoded bytes, by id, shared by the threads that verify
// received blobs (native/recent_blobs.c).
#ifndef DV_RECENT_BLOBS_H
#define DV_RECENT_BLOBS_H
#include <stddef.h>
#include <stdint.h>

typedef struct recent_blob recent_blob_t;

// Entries belong to one transfer (a number the caller picks; 0: none, nothing is kept):
// a blob verified for one transfer never stands in for what another reads from its store.

// The bytes of blob `id` when the transfer holds them here (NULL when not): they stay
// valid until recent_release, even if the entry is evicted meanwhile.
recent_blob_t *recent_take(uint32_t transfer, const uint8_t id[32], const uint8_t **bytes, size_t *len);
void recent_release(recent_blob_t *e);
// Keeps a copy of a blob's bytes, which the caller has checked against `id`.
void recent_put(uint32_t transfer, const uint8_t id[32], const uint8_t *bytes, size_t len);
// Drops every entry of a transfer.
void recent_forget(uint32_t transfer);

#endif
