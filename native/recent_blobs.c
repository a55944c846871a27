// Recently verified blobs' decoded bytes, by id, for the deltas that follow them.
//
// A transfer sends a chain of deltas base first (spec/remote-protocol.md), so the base of
// a delta is nearly always the blob verified just before it. Without this, verifying the
// delta meant reading its whole chain back from the packs and decoding every link again:
// a clone of four versions of a file decoded the first version four times. Entries are
// only ever added after their bytes hashed to their id, and an id names one content, so
// an entry is never stale. The least recently used go first beyond RECENT_BYTES.
#include "recent_blobs.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// Decoded bytes kept, at most (a few hundred chunks: deltas follow their bases closely).
#define RECENT_BYTES (64u << 20)
// Larger blobs are not kept (one would push out everything else).
#define RECENT_MAX_BLOB (RECENT_BYTES / 8)
#define RECENT_SLOTS 4096

struct recent_blob {
  uint32_t transfer;
  uint8_t id[32];
  uint8_t *bytes;
  size_t len;
  int refs;     // takers still reading it
  int evicted;  // out of the table; freed by its last taker
  struct recent_blob *next_in_slot, *newer, *older;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static recent_blob_t *slots[RECENT_SLOTS];
static recent_blob_t *newest, *oldest;
static size_t held_bytes;

static size_t slot_of(const uint8_t id[32]) {
  uint32_t v;
  memcpy(&v, id, sizeof v); // ids are hashes: any of their bytes spread evenly
  return v & (RECENT_SLOTS - 1);
}

static void free_entry(recent_blob_t *e) {
  free(e->bytes);
  free(e);
}

static void unlink_lru(recent_blob_t *e) {
  if (e->newer) e->newer->older = e->older; else newest = e->older;
  if (e->older) e->older->newer = e->newer; else oldest = e->newer;
  e->newer = e->older = NULL;
}

static void link_newest(recent_blob_t *e) {
  e->older = newest;
  e->newer = NULL;
  if (newest) newest->newer = e; else oldest = e;
  newest = e;
}

static recent_blob_t *find(uint32_t transfer, const uint8_t id[32]) {
  for (recent_blob_t *e = slots[slot_of(id)]; e; e = e->next_in_slot) if (e->transfer == transfer && memcmp(e->id, id, 32) == 0) return e;
  return NULL;
}

// Drops an entry from the table (under the lock); freed now or by its last taker.
static void evict(recent_blob_t *e) {
  recent_blob_t **at = &slots[slot_of(e->id)];
  while (*at != e) at = &(*at)->next_in_slot;
  *at = e->next_in_slot;
  unlink_lru(e);
  held_bytes -= e->len;
  e->evicted = 1;
  if (e->refs == 0) free_entry(e);
}

recent_blob_t *recent_take(uint32_t transfer, const uint8_t id[32], const uint8_t **bytes, size_t *len) {
  if (transfer == 0) return NULL;
  pthread_mutex_lock(&lock);
  recent_blob_t *e = find(transfer, id);
  if (e) {
    e->refs++;
    unlink_lru(e);
    link_newest(e);
    *bytes = e->bytes;
    *len = e->len;
  }
  pthread_mutex_unlock(&lock);
  return e;
}

void recent_release(recent_blob_t *e) {
  if (!e) return;
  pthread_mutex_lock(&lock);
  int gone = --e->refs == 0 && e->evicted;
  pthread_mutex_unlock(&lock);
  if (gone) free_entry(e);
}

void recent_put(uint32_t transfer, const uint8_t id[32], const uint8_t *bytes, size_t len) {
  if (transfer == 0 || len > RECENT_MAX_BLOB) return;
  // Copied outside the lock; a blob already held (another thread's) is not copied twice.
  pthread_mutex_lock(&lock);
  int known = find(transfer, id) != NULL;
  pthread_mutex_unlock(&lock);
  if (known) return;
  recent_blob_t *e = calloc(1, sizeof *e);
  uint8_t *copy = malloc(len ? len : 1);
  if (!e || !copy) { free(e); free(copy); return; } // only a cache: nothing is lost
  memcpy(copy, bytes, len);
  e->transfer = transfer;
  memcpy(e->id, id, 32);
  e->bytes = copy;
  e->len = len;
  pthread_mutex_lock(&lock);
  if (find(transfer, id)) {
    pthread_mutex_unlock(&lock);
    free_entry(e);
    return;
  }
  size_t s = slot_of(id);
  e->next_in_slot = slots[s];
  slots[s] = e;
  link_newest(e);
  held_bytes += len;
  while (held_bytes > RECENT_BYTES && oldest != e) evict(oldest);
  pthread_mutex_unlock(&lock);
}

void recent_forget(uint32_t transfer) {
  pthread_mutex_lock(&lock);
  for (recent_blob_t *e = oldest, *newer; e; e = newer) {
    newer = e->newer;
    if (e->transfer == transfer) evict(e);
  }
  pthread_mutex_unlock(&lock);
}
