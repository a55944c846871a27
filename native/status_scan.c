// scanChanges(root, table, stampSec): the stat half of `dv status` in one call. `table` is
// the index's stat table (spec/index.md, "Stat table"): every tracked path with the stat
// data recorded for it. The working tree is walked only through directories that hold
// tracked paths (each opened relative to its parent with O_NOFOLLOW, so a walk never
// leaves the tree through a symlink); each tracked file is fstatat'ed and compared as
// src/worktree/stat-match.ts compares. Returns [changed, present, untracked, untrackedIsDir]:
//   changed        tracked paths whose stat data does not prove them unchanged (differs,
//                  racy, absent, or no longer a file), in table order;
//   present        whether each of those was met as a file or symlink (else it is gone:
//                  absent, not a file, or behind a directory that is gone or a symlink);
//   untracked      names found in those directories that are not tracked: files, and
//                  directories holding nothing tracked (not descended: the caller applies
//                  .dvignore and lists them);
//   untrackedIsDir whether each of those is a directory.
// Throws (code EINVAL) on a malformed table and (code EIO) when a directory cannot be
// read for another reason than being gone; the caller then takes its JavaScript path.
#define _GNU_SOURCE // memrchr
#include <node_api.h>
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TABLE_MAGIC "DVS2"
#define ID_BYTES 32 // the entry's content id, after its kind (not needed here)
#define STAT_DOUBLES 7 // size, mtime sec, mtime nsec, ctime sec, ctime nsec, ino, dev
#define RACY_MARGIN_SEC 2 // RACY_MARGIN_SEC in src/worktree/index-store.ts
#define MAX_PATH 4096

typedef struct {
  const char *path;
  uint32_t len;
  uint8_t kind; // 1 file, 2 exec, 3 symlink
  double st[STAT_DOUBLES];
  uint8_t state; // one of the MET_ values
} entry_t;

// What the walk found for an entry.
enum { MET_NOT = 0, MET_SAME = 1, MET_DIFFERENT = 2 };

typedef struct {
  const char *path;
  uint32_t len;
  uint32_t files; // tracked files directly in it
} dir_t;

// Open-addressing set of byte strings, mapping to an index.
typedef struct {
  const char **keys;
  uint32_t *lens;
  int32_t *vals;
  size_t mask;
} strset_t;

static uint64_t hash_bytes(const char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) { h ^= (uint8_t)p[i]; h *= 1099511628211ULL; }
  return h ^ (h >> 29);
}

static int strset_init(strset_t *s, size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  s->keys = calloc(cap, sizeof *s->keys);
  s->lens = calloc(cap, sizeof *s->lens);
  s->vals = calloc(cap, sizeof *s->vals);
  s->mask = cap - 1;
  return s->keys && s->lens && s->vals;
}

static void strset_free(strset_t *s) { free(s->keys); free(s->lens); free(s->vals); }

// The slot holding `key`, or the empty slot where it would go.
static size_t strset_slot(const strset_t *s, const char *key, size_t len) {
  size_t i = hash_bytes(key, len) & s->mask;
  while (s->keys[i] && !(s->lens[i] == len && memcmp(s->keys[i], key, len) == 0)) i = (i + 1) & s->mask;
  return i;
}

static int32_t strset_get(const strset_t *s, const char *key, size_t len) {
  size_t i = strset_slot(s, key, len);
  return s->keys[i] ? s->vals[i] : -1;
}

// Inserts; returns 0 when the key was there already.
static int strset_put(strset_t *s, const char *key, size_t len, int32_t val) {
  size_t i = strset_slot(s, key, len);
  if (s->keys[i]) return 0;
  s->keys[i] = key; s->lens[i] = (uint32_t)len; s->vals[i] = val;
  return 1;
}

// Component order: '/' sorts before every other byte, so a directory comes right before
// what it holds (a depth-first walk).
static int compare_dirs(const void *pa, const void *pb) {
  const dir_t *a = pa, *b = pb;
  size_t n = a->len < b->len ? a->len : b->len;
  for (size_t i = 0; i < n; i++) {
    uint8_t x = (uint8_t)a->path[i], y = (uint8_t)b->path[i];
    if (x == y) continue;
    if (x == '/') return -1;
    if (y == '/') return 1;
    return x < y ? -1 : 1;
  }
  return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

// fs.Stats' millisecond time, split back into [sec, nsec] as splitMs in src/worktree/scan.ts does.
static void split_ms(const struct timespec *t, double *sec, double *nsec) {
  double ms = (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6;
  *sec = floor(ms / 1000);
  *nsec = round((ms - *sec * 1000) * 1e6); // as Math.round: the value is not negative
}

// statMatches of src/worktree/stat-match.ts.
static int stat_matches(const entry_t *e, const struct stat *st, double stamp_sec) {
  uint8_t kind;
  if (S_ISLNK(st->st_mode)) kind = 3;
  else if (S_ISREG(st->st_mode)) kind = (st->st_mode & 0111) ? 2 : 1;
  else return 0;
  double msec, mnsec, csec, cnsec;
  split_ms(&st->st_mtim, &msec, &mnsec);
  split_ms(&st->st_ctim, &csec, &cnsec);
  return kind == e->kind && (double)st->st_size == e->st[0] &&
    msec == e->st[1] && mnsec == e->st[2] && csec == e->st[3] && cnsec == e->st[4] &&
    (double)st->st_ino == e->st[5] && (double)st->st_dev == e->st[6] &&
    !(msec + RACY_MARGIN_SEC > stamp_sec);
}

static napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

// Growable list of (path bytes, is-dir) results.
typedef struct {
  char *buf;
  size_t used, cap;
  uint32_t *offs, *lens;
  uint8_t *dirs;
  size_t n, ncap;
} names_t;

static int names_add(names_t *l, const char *dir, size_t dlen, const char *name, size_t nlen, int is_dir) {
  size_t len = dlen > 0 ? dlen + 1 + nlen : nlen;
  if (l->used + len > l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 4096;
    while (cap < l->used + len) cap *= 2;
    char *b = realloc(l->buf, cap);
    if (!b) return 0;
    l->buf = b;
    l->cap = cap;
  }
  if (l->n == l->ncap) {
    size_t cap = l->ncap ? l->ncap * 2 : 64;
    uint32_t *offs = realloc(l->offs, cap * sizeof *offs);
    if (!offs) return 0;
    l->offs = offs;
    uint32_t *lens = realloc(l->lens, cap * sizeof *lens);
    if (!lens) return 0;
    l->lens = lens;
    uint8_t *dirs = realloc(l->dirs, cap);
    if (!dirs) return 0;
    l->dirs = dirs;
    l->ncap = cap;
  }
  char *p = l->buf + l->used;
  if (dlen > 0) { memcpy(p, dir, dlen); p[dlen] = '/'; p += dlen + 1; }
  memcpy(p, name, nlen);
  l->offs[l->n] = (uint32_t)l->used;
  l->lens[l->n] = (uint32_t)len;
  l->dirs[l->n] = (uint8_t)is_dir;
  l->used += len;
  l->n++;
  return 1;
}

// Whether the readdir entry is a directory (asking lstat when the file system does not say).
static int entry_is_dir(int dfd, const struct dirent *d) {
  if (d->d_type != DT_UNKNOWN) return d->d_type == DT_DIR;
  struct stat st;
  return fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

#define MAX_THREADS 4

typedef struct scan scan_t;

// One thread's share of the walk: a run of directories (in walk order) and what it found.
typedef struct {
  scan_t *s;
  size_t from, to;
  names_t untracked;
  int err;
  char path[MAX_PATH];
} share_t;

struct scan {
  entry_t *entries; size_t n_entries;
  dir_t *dirs; size_t n_dirs;
  strset_t files, dirset;
  double stamp_sec;
  int root_fd;
  share_t shares[MAX_THREADS];
  size_t n_shares;
};

// Reads one open directory `d`: tracked files are compared, other names noted as untracked.
// Returns 0, or an errno when the directory could not be read.
static int scan_dir(share_t *w, const dir_t *d, int fd) {
  scan_t *s = w->s;
  int lfd = dup(fd);
  if (lfd < 0) return errno;
  DIR *dh = fdopendir(lfd);
  if (!dh) { int e = errno; close(lfd); return e; }
  memcpy(w->path, d->path, d->len);
  size_t base = d->len;
  if (base > 0) w->path[base++] = '/';
  for (;;) {
    errno = 0;
    struct dirent *de = readdir(dh);
    if (!de) break;
    const char *name = de->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    size_t nlen = strlen(name);
    if (base + nlen >= MAX_PATH) { closedir(dh); return ENAMETOOLONG; }
    memcpy(w->path + base, name, nlen);
    size_t plen = base + nlen;
    int32_t ei = strset_get(&s->files, w->path, plen);
    if (ei >= 0) {
      entry_t *e = &s->entries[ei];
      struct stat st;
      if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (stat_matches(e, &st, s->stamp_sec)) e->state = MET_SAME;
        else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) e->state = MET_DIFFERENT;
        // A tracked file that became a directory: its content is untracked.
        else if (S_ISDIR(st.st_mode) && !names_add(&w->untracked, d->path, d->len, name, nlen, 1)) { closedir(dh); return ENOMEM; }
      }
      continue;
    }
    if (strset_get(&s->dirset, w->path, plen) >= 0) {
      // A directory holding tracked paths is walked on its own; if it is now something
      // else (a symlink, a file) that thing is untracked.
      if (entry_is_dir(fd, de)) continue;
      if (!names_add(&w->untracked, d->path, d->len, name, nlen, 0)) { closedir(dh); return ENOMEM; }
      continue;
    }
    if (!names_add(&w->untracked, d->path, d->len, name, nlen, entry_is_dir(fd, de))) { closedir(dh); return ENOMEM; }
  }
  int e = errno;
  closedir(dh);
  return e;
}

// A repository path: components neither empty nor `.` or `..`, no NUL (so the walk stays
// inside the tree whatever the table says).
static int valid_path(const char *p, size_t len) {
  if (memchr(p, 0, len) != NULL) return 0;
  for (size_t start = 0; start <= len;) {
    const char *slash = memchr(p + start, '/', len - start);
    size_t end = slash ? (size_t)(slash - p) : len;
    size_t n = end - start;
    if (n == 0 || (n == 1 && p[start] == '.') || (n == 2 && p[start] == '.' && p[start + 1] == '.')) return 0;
    start = end + 1;
  }
  return 1;
}

// Parses the table into s->entries; 0 when malformed.
static int parse_table(scan_t *s, const uint8_t *t, size_t len) {
  // Header: magic, entry count (u32), the index version it was built from (f64). Each
  // entry: path length (u16), path, kind (u8), id (32 bytes), then the stat data (f64s).
  if (len < 16 || memcmp(t, TABLE_MAGIC, 4) != 0) return 0;
  uint32_t n;
  memcpy(&n, t + 4, 4);
  if (n > len / (3 + ID_BYTES + 8 * STAT_DOUBLES)) return 0;
  s->entries = calloc(n ? n : 1, sizeof *s->entries);
  if (!s->entries) return 0;
  size_t off = 16;
  for (uint32_t i = 0; i < n; i++) {
    entry_t *e = &s->entries[i];
    uint16_t plen;
    if (off + 2 > len) return 0;
    memcpy(&plen, t + off, 2);
    off += 2;
    if (plen == 0 || off + plen + 1 + ID_BYTES + 8 * STAT_DOUBLES > len || plen >= MAX_PATH) return 0;
    e->path = (const char *)t + off;
    e->len = plen;
    if (!valid_path(e->path, plen)) return 0;
    off += plen;
    e->kind = t[off++];
    if (e->kind < 1 || e->kind > 3) return 0;
    off += ID_BYTES;
    memcpy(e->st, t + off, 8 * STAT_DOUBLES);
    off += 8 * STAT_DOUBLES;
  }
  s->n_entries = n;
  return off == len;
}

// Every directory that holds a tracked path (the root included), in component order.
static int collect_dirs(scan_t *s) {
  size_t most = 1; // the root, and at most one directory per '/'
  for (size_t i = 0; i < s->n_entries; i++) {
    for (size_t j = 0; j < s->entries[i].len; j++) most += s->entries[i].path[j] == '/';
  }
  if (!strset_init(&s->files, s->n_entries) || !strset_init(&s->dirset, most)) return 0;
  s->dirs = malloc(most * sizeof *s->dirs);
  if (!s->dirs) return 0;
  s->dirs[s->n_dirs++] = (dir_t){ "", 0, 0 };
  strset_put(&s->dirset, "", 0, 0);
  for (size_t i = 0; i < s->n_entries; i++) {
    entry_t *e = &s->entries[i];
    if (!strset_put(&s->files, e->path, e->len, (int32_t)i)) return 0; // a path twice
    for (size_t j = e->len; j-- > 0;) {
      if (e->path[j] != '/') continue;
      if (!strset_put(&s->dirset, e->path, j, (int32_t)s->n_dirs)) break; // its parents are in already
      s->dirs[s->n_dirs++] = (dir_t){ e->path, (uint32_t)j, 0 };
    }
  }
  qsort(s->dirs, s->n_dirs, sizeof *s->dirs, compare_dirs);
  // Count each directory's files (to share the walk out evenly).
  for (size_t i = 0; i < s->n_dirs; i++) s->dirset.vals[strset_slot(&s->dirset, s->dirs[i].path, s->dirs[i].len)] = (int32_t)i;
  for (size_t i = 0; i < s->n_entries; i++) {
    const entry_t *e = &s->entries[i];
    const char *slash = memrchr(e->path, '/', e->len);
    s->dirs[strset_get(&s->dirset, e->path, slash ? (size_t)(slash - e->path) : 0)].files++;
  }
  return 1;
}

static void close_stack(int *fds, size_t *depth, int root_fd) {
  while (*depth > 0) { if (fds[*depth - 1] != root_fd) close(fds[*depth - 1]); (*depth)--; }
}

// Walks a share's directories depth first. Each is opened one component at a time from
// the nearest directory already open (the root at first), without following symlinks.
static void *walk_share(void *arg) {
  share_t *w = arg;
  scan_t *s = w->s;
  int fds[MAX_PATH / 2];
  size_t lens[MAX_PATH / 2]; // the path length of each open directory (they are prefixes of the current one)
  size_t depth = 0;
  const char *prev = NULL; // the path the stack's prefixes belong to
  for (size_t i = w->from; i < w->to && w->err == 0; i++) {
    const dir_t *d = &s->dirs[i];
    // Keep the open directories that hold this one.
    size_t keep = 0;
    while (keep < depth && lens[keep] <= d->len && (lens[keep] == 0 || (lens[keep] < d->len && d->path[lens[keep]] == '/')) &&
           memcmp(prev, d->path, lens[keep]) == 0) keep++;
    while (depth > keep) { if (fds[depth - 1] != s->root_fd) close(fds[depth - 1]); depth--; }
    if (depth == 0) { fds[0] = s->root_fd; lens[0] = 0; depth = 1; }
    prev = d->path;
    int gone = 0;
    while (lens[depth - 1] < d->len) {
      size_t from = lens[depth - 1] == 0 ? 0 : lens[depth - 1] + 1;
      const char *slash = memchr(d->path + from, '/', d->len - from);
      size_t end = slash ? (size_t)(slash - d->path) : d->len;
      char name[MAX_PATH];
      memcpy(name, d->path + from, end - from);
      name[end - from] = 0;
      int fd = openat(fds[depth - 1], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) { gone = 1; break; } // gone, or not a directory now
        w->err = errno;
        break;
      }
      if (depth >= sizeof fds / sizeof fds[0]) { close(fd); w->err = ENAMETOOLONG; break; }
      fds[depth] = fd;
      lens[depth++] = end;
    }
    if (gone || w->err) continue;
    w->err = scan_dir(w, d, fds[depth - 1]);
  }
  close_stack(fds, &depth, s->root_fd);
  return NULL;
}

// Splits the directories into runs with about as many tracked files each, one per
// thread (up to the cores there are), and walks them at once: like git's preloaded
// index, the lstat calls are what a status of many files waits on.
static int walk(scan_t *s) {
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  size_t threads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (size_t)cores;
  if (s->n_entries < 4096) threads = 1; // not worth a thread
  size_t per = s->n_entries / threads + 1, files = 0, from = 0;
  for (size_t i = 0; i < s->n_dirs && s->n_shares + 1 < threads; i++) {
    files += s->dirs[i].files;
    if (files >= per * (s->n_shares + 1)) {
      s->shares[s->n_shares++] = (share_t){ .s = s, .from = from, .to = i + 1 };
      from = i + 1;
    }
  }
  s->shares[s->n_shares++] = (share_t){ .s = s, .from = from, .to = s->n_dirs };
  pthread_t tids[MAX_THREADS];
  int started[MAX_THREADS] = { 0 };
  for (size_t t = 1; t < s->n_shares; t++) started[t] = pthread_create(&tids[t], NULL, walk_share, &s->shares[t]) == 0;
  walk_share(&s->shares[0]);
  for (size_t t = 1; t < s->n_shares; t++) {
    if (started[t]) pthread_join(tids[t], NULL);
    else walk_share(&s->shares[t]); // no thread to be had: walk it here
  }
  for (size_t t = 0; t < s->n_shares; t++) if (s->shares[t].err) return s->shares[t].err;
  return 0;
}

static napi_value make_result(napi_env env, scan_t *s) {
  napi_value changed, present, untracked, is_dir, result, v;
  size_t n_changed = 0;
  for (size_t i = 0; i < s->n_entries; i++) n_changed += s->entries[i].state != MET_SAME;
  napi_create_array_with_length(env, n_changed, &changed);
  napi_create_array_with_length(env, n_changed, &present);
  for (size_t i = 0, k = 0; i < s->n_entries; i++) {
    if (s->entries[i].state == MET_SAME) continue;
    napi_create_string_utf8(env, s->entries[i].path, s->entries[i].len, &v);
    napi_set_element(env, changed, (uint32_t)k, v);
    napi_get_boolean(env, s->entries[i].state == MET_DIFFERENT, &v);
    napi_set_element(env, present, (uint32_t)k++, v);
  }
  size_t n_untracked = 0;
  for (size_t t = 0; t < s->n_shares; t++) n_untracked += s->shares[t].untracked.n;
  napi_create_array_with_length(env, n_untracked, &untracked);
  napi_create_array_with_length(env, n_untracked, &is_dir);
  for (size_t t = 0, k = 0; t < s->n_shares; t++) {
    names_t *u = &s->shares[t].untracked;
    for (size_t i = 0; i < u->n; i++, k++) {
      napi_create_string_utf8(env, u->buf + u->offs[i], u->lens[i], &v);
      napi_set_element(env, untracked, (uint32_t)k, v);
      napi_get_boolean(env, u->dirs[i], &v);
      napi_set_element(env, is_dir, (uint32_t)k, v);
    }
  }
  napi_create_array_with_length(env, 4, &result);
  napi_set_element(env, result, 0, changed);
  napi_set_element(env, result, 1, present);
  napi_set_element(env, result, 2, untracked);
  napi_set_element(env, result, 3, is_dir);
  return result;
}

static void scan_free(scan_t *s) {
  free(s->entries); free(s->dirs);
  strset_free(&s->files); strset_free(&s->dirset);
  for (size_t t = 0; t < s->n_shares; t++) {
    names_t *u = &s->shares[t].untracked;
    free(u->buf); free(u->offs); free(u->lens); free(u->dirs);
  }
  free(s);
}

static napi_value fail_errno(napi_env env, scan_t *s, const char *what, int err) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  scan_free(s);
  return throw_code(env, "EIO", msg);
}

napi_value scan_changes(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3) return throw_code(env, "EINVAL", "expected (root, table, stampSec)");
  char root[MAX_PATH];
  size_t root_len;
  if (napi_get_value_string_utf8(env, argv[0], root, sizeof root, &root_len) != napi_ok || root_len >= sizeof root - 1) {
    return throw_code(env, "EINVAL", "expected a root path shorter than 4096 bytes");
  }
  napi_typedarray_type type;
  size_t table_len;
  void *table;
  if (napi_get_typedarray_info(env, argv[1], &type, &table_len, &table, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    return throw_code(env, "EINVAL", "expected the stat table as a Uint8Array");
  }
  scan_t *s = calloc(1, sizeof *s);
  if (!s) return throw_code(env, "ENOMEM", "out of memory");
  if (napi_get_value_double(env, argv[2], &s->stamp_sec) != napi_ok) { scan_free(s); return throw_code(env, "EINVAL", "expected the index stamp in seconds"); }
  if (!parse_table(s, table, table_len)) { scan_free(s); return throw_code(env, "EINVAL", "the stat table is malformed"); }
  if (!collect_dirs(s)) { scan_free(s); return throw_code(env, "EINVAL", "the stat table is malformed (or memory ran out)"); }
  s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->root_fd < 0) return fail_errno(env, s, "cannot open the working tree", errno);
  int e = walk(s);
  close(s->root_fd);
  if (e != 0) return fail_errno(env, s, "cannot read the working tree", e);
  napi_value result = make_result(env, s);
  scan_free(s);
  return result;
}
