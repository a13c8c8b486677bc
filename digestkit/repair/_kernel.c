/* The lossy repair pass in C: digestkit/repair/lossy.py's scan() and decide(), compiled.
 *
 * lossy.py is the reference, one slot at a time: every function here computes what its
 * namesake there computes, adding up in the same order, and the tests hold the two to the
 * same text, spans and confidences (tests/repair/test_fastpass.py). What this file adds is
 * speed only: memos, caches shared by slots with the same readings, a second thread.
 * Python keeps what is rare or needs Python objects (the readings of each distinct damaged
 * byte pattern, slots that may take back a lost NBSP or '?', the spans: fastpass.py):
 *
 *   scan()    runs of the code page, UTF-8 sequences inside them, damaged ones (slots)
 *   decide()  the three rounds of the language-model search, and the repaired text
 *
 * Inputs and outputs are contiguous buffers (numpy arrays) owned by the caller; nothing
 * here allocates Python objects per character. decide() releases the GIL and, for a long
 * document, runs each round on two threads (run_pair), split where the halves cannot see
 * each other (round2_split), so the result never depends on the thread count.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <pthread.h>
#endif

#define HOLE 0x100
#define UNICODE_SIZE 0x110000
/* Shared with Python (digestkit/repair/types.py: CONTEXT, LINE); decide() checks them. */
#define CONTEXT 6
/* Fewer damaged characters than this are not worth a second thread. */
#define PARALLEL_MIN 1024
#define LINE 80
/* At most this many words close the 与 frame (lossy.FRAME_CLOSERS). */
#define MAX_CLOSERS 64
#define NEG (-INFINITY)

#if defined(__GNUC__) || defined(__clang__)
#define ALWAYS_INLINE static inline __attribute__((always_inline))
#define NOINLINE __attribute__((noinline))
#else
#define ALWAYS_INLINE static inline
#define NOINLINE
#endif

#ifdef DK_PROF  /* build with -DDK_PROF to print where decide() spends its time */
#include <stdio.h>
#include <time.h>
static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}
#define TICK(name) do { double t_ = now_ms(); fprintf(stderr, "%s %.3f\n", name, t_ - t0_); t0_ = t_; } while (0)
#define TICK_START double t0_ = now_ms()
#else
#define TICK(name) do { } while (0)
#define TICK_START do { } while (0)
#endif

static const uint64_t MULT = 0x9E3779B97F4A7C15ULL;
static const uint64_t POLY = 0x100000001B3ULL;

/* ---------------------------------------------------------------- scan */

static inline int byte_of(const int32_t *cps, const int32_t *bmap, Py_ssize_t i) {
    int32_t c = cps[i];
    return (c >= 0 && c < 0x10000) ? bmap[c] : -1;
}

static inline int is_high(int b) { return b >= 0x80; }
static inline int is_sep(int32_t c) { return c == 0x20 || c == 0x3F; }
static inline int is_cont(int b) { return (b >= 0x80 && b <= 0xBF) || b == HOLE; }
static inline int need_of(int b) {
    if (b >= 0xC2 && b <= 0xDF) return 1;
    if (b >= 0xE0 && b <= 0xEF) return 2;
    if (b >= 0xF0 && b <= 0xF4) return 3;
    return 0;
}

/* Kana, Hangul and Han among emitted characters (lossy._count_script). */
static inline void count_script(int64_t *lang, int32_t c) {
    if (c < 0x3040) return;
    if (c < 0x3100) lang[0]++;
    else if (c >= 0xAC00 && c < 0xD7B0) lang[1]++;
    else if (c >= 0x4E00 && c < 0xA000) lang[2]++;
}

/* scan(cps, bmap, emit, runs_start, runs_end, run_decoded, slot_pos, slot_seen, slot_need,
 *      slot_key, slot_odd, slot_run, counts, lang) -> (n_runs, n_slots)
 * slot_run[t]: the run slot t lies in.
 * emit[i]: code point to write, -1 nothing, -2 a slot's lead. counts: int64[64] of bytes
 * 0x80-0xBF in runs. lang: int64[3] kana, hangul, han among emitted characters. */
static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer cps_b, bmap_b, emit_b, rs_b, re_b, rd_b, sp_b, ss_b, sn_b, sk_b, so_b, sr_b, cnt_b,
        lang_b;
    if (!PyArg_ParseTuple(args, "y*y*w*w*w*w*w*w*w*w*w*w*w*w*", &cps_b, &bmap_b, &emit_b, &rs_b,
                          &re_b, &rd_b, &sp_b, &ss_b, &sn_b, &sk_b, &so_b, &sr_b, &cnt_b, &lang_b))
        return NULL;
    const int32_t *cps = cps_b.buf;
    const int32_t *bmap = bmap_b.buf;
    int32_t *emit = emit_b.buf, *rs = rs_b.buf, *re = re_b.buf;
    uint8_t *rdec = rd_b.buf;
    int32_t *spos = sp_b.buf, *sseen = ss_b.buf, *sneed = sn_b.buf;
    int64_t *skey = sk_b.buf;
    uint8_t *sodd = so_b.buf;
    int32_t *srun = sr_b.buf;
    int64_t *counts = cnt_b.buf, *lang = lang_b.buf;
    Py_ssize_t n = cps_b.len / 4, n_runs = 0, n_slots = 0;

    Py_BEGIN_ALLOW_THREADS
    memset(counts, 0, 64 * sizeof(int64_t));
    memset(lang, 0, 3 * sizeof(int64_t));
    Py_ssize_t i = 0;
    while (i < n) {
        /* ASCII is never high: no table look-up (a stretch of it in a tight loop). */
        while (i < n && (uint32_t)cps[i] < 0x80) {
            emit[i] = cps[i];
            i++;
        }
        if (i == n) break;
        int32_t c0 = cps[i];
        int b = byte_of(cps, bmap, i);
        if (!is_high(b)) {
            emit[i] = c0;
            count_script(lang, c0);
            i++;
            continue;
        }
        /* A run: high characters joined across 1-3 spaces or '?', then up to 3 of them.
         * Until the run is decoded, emit holds each character's byte (-1: a separator),
         * so the loop below looks up no byte twice. */
        Py_ssize_t s = i, j = i, highs = 0;
        for (;;) {
            Py_ssize_t from = j;
            for (; j < n; j++) {
                int b = byte_of(cps, bmap, j);
                if (!is_high(b)) break;
                emit[j] = b;
            }
            highs += j - from;
            Py_ssize_t k = 0;
            while (j + k < n && is_sep(cps[j + k])) emit[j + k++] = -1;
            if (k >= 1 && k <= 3 && j + k < n && is_high(byte_of(cps, bmap, j + k))) {
                j += k;
                continue;
            }
            j += (k < 3 ? k : 3);
            break;
        }
        Py_ssize_t e = j, r = n_runs++;
        rs[r] = (int32_t)s;
        re[r] = (int32_t)e;
        rdec[r] = 0;
        int lone = highs == 1;
        Py_ssize_t p = s;
        while (p < e) {
            int lb = emit[p];
            if (lb >= 0x80 && lb <= 0xBF) counts[lb - 0x80]++;
            int need = lb >= 0 ? need_of(lb) : 0;
            if (!need) {
                emit[p] = cps[p];
                count_script(lang, cps[p]);
                p++;
                continue;
            }
            int m = 0, holes = 0, bs[4] = {lb, -1, -1, -1};
            while (m < need && p + 1 + m < e) {
                int cb = emit[p + 1 + m];
                if (!is_cont(cb)) break;  /* a separator's -1 included */
                bs[1 + m] = cb;
                holes += cb == HOLE;
                m++;
            }
            if (m == need && holes == 0) {
                int b0 = bs[0], b1 = bs[1], b2 = bs[2], b3 = bs[3];
                int bad = (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) ||
                          (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F);
                if (!bad) {
                    int32_t v;
                    if (need == 1) v = ((b0 & 0x1F) << 6) | (b1 & 0x3F);
                    else if (need == 2) v = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (b2 & 0x3F);
                    else v = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((b2 & 0x3F) << 6) | (b3 & 0x3F);
                    emit[p] = v;
                    count_script(lang, v);
                    for (int q = 1; q <= need; q++) {
                        emit[p + q] = -1;
                        counts[bs[q] - 0x80]++;
                    }
                    rdec[r] = 1;
                    p += need + 1;
                    continue;
                }
                emit[p] = cps[p];  /* refused by strict UTF-8: the characters stay */
                count_script(lang, cps[p]);
                p++;
                continue;
            }
            if (lone) {
                emit[p] = cps[p];
                count_script(lang, cps[p]);
                p++;
                continue;
            }
            Py_ssize_t t = n_slots++;
            spos[t] = (int32_t)p;
            srun[t] = (int32_t)r;
            sseen[t] = m;
            sneed[t] = need;
            int64_t key = (int64_t)lb << 27;
            for (int q = 0; q < m; q++) {
                int v = bs[1 + q] == HOLE ? 257 : bs[1 + q] + 1;
                key |= (int64_t)v << (18 - 9 * q);
                if (bs[1 + q] != HOLE) counts[bs[1 + q] - 0x80]++;
            }
            skey[t] = key;
            Py_ssize_t after = p + 1 + m;
            sodd[t] = m < need && after < e && is_sep(cps[after]);
            emit[p] = -2;
            for (int q = 1; q <= m; q++) emit[p + q] = -1;
            p += 1 + m;
        }
        i = e;
    }
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&cps_b); PyBuffer_Release(&bmap_b); PyBuffer_Release(&emit_b);
    PyBuffer_Release(&rs_b); PyBuffer_Release(&re_b); PyBuffer_Release(&rd_b);
    PyBuffer_Release(&sp_b); PyBuffer_Release(&ss_b); PyBuffer_Release(&sn_b);
    PyBuffer_Release(&sk_b); PyBuffer_Release(&so_b); PyBuffer_Release(&sr_b); PyBuffer_Release(&cnt_b);
    PyBuffer_Release(&lang_b);
    return Py_BuildValue("nn", n_runs, n_slots);
}

/* ---------------------------------------------------------------- hash tables */

typedef struct {
    const uint64_t *slots;  /* interleaved (key + 1, value bits); key 0 = empty */
    int bits;
    uint64_t mask;
    const uint64_t *filter;  /* the keys' blocked Bloom filter (arrays.key_filter), or NULL */
    int filter_bits;
} Table;

/* May the stored key be in the table? No: it surely is not (arrays.key_filter's layout: a
 * 512-bit block per key, four bits in it). A probe of a large table that misses costs a
 * trip to main memory; the filter is small enough to stay in cache. */
static inline int filter_maybe(const Table *t, uint64_t stored) {
    uint64_t h = stored * 0xD6E8FEB86659FD93ULL;
    const uint64_t *block = t->filter + (t->filter_bits ? (h >> (64 - t->filter_bits)) << 3 : 0);
    uint64_t x = h ^ (h >> 29);
    for (int q = 0; q < 4; q++) {
        unsigned bit = (unsigned)(x >> (9 * q)) & 511;
        if (!(block[bit >> 6] >> (bit & 63) & 1)) return 0;
    }
    return 1;
}

static inline double table_get(const Table *t, uint64_t key, double dflt) {
    if (!t->slots) return dflt;
    uint64_t stored = key + 1;
    if (t->filter && !filter_maybe(t, stored)) return dflt;
    uint64_t pos = (stored * MULT) >> (64 - t->bits);
    for (;;) {
        uint64_t k = t->slots[2 * pos];
        if (k == stored) {
            double v;
            memcpy(&v, &t->slots[2 * pos + 1], sizeof v);
            return v;
        }
        if (k == 0) return dflt;
        pos = (pos + 1) & t->mask;
    }
}

/* Scratch tables reused across calls (one set per thread): an entry stamped with an older
 * generation counts as empty, so nothing is cleared between documents. A key is a pair key
 * + 1 (< 2**43) with the generation above it. */
#define GEN_SHIFT 43
#define GEN_MAX ((uint64_t)1 << 20)

/* The pairs a document shows intact: (stamped key, count) side by side, and a bitmap with
 * a bit per 2**BLOOM_SHIFT table slots (the key's hash at that finer grain): most pairs
 * asked about were never seen, and a clear bit (kilobytes, in cache) says so without a
 * probe into the table (megabytes for a long document). */
#define BLOOM_SHIFT 2
typedef struct {
    uint64_t *slots;
    uint64_t *bloom;
    int bits, cap_bits;  /* this call's table is the first 2**bits of 2**cap_bits slots */
    uint64_t mask, gen;
} Counter;

static _Thread_local Counter tl_counter;

/* A table for `expected` keys: sized for them (a small table stays in cache), in a buffer
 * kept for the largest one so far. */
static Counter *counter_open(Py_ssize_t expected) {
    Counter *c = &tl_counter;
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * expected + 2) bits++;
    if (!c->slots || bits > c->cap_bits || c->gen + 1 >= GEN_MAX) {
        int cap = bits > c->cap_bits ? bits : c->cap_bits;
        free(c->slots);
        free(c->bloom);
        c->slots = calloc((size_t)2 << cap, sizeof(uint64_t));
        c->bloom = malloc(sizeof(uint64_t) * (((size_t)1 << (cap + BLOOM_SHIFT)) / 64 + 1));
        if (!c->slots || !c->bloom) {
            free(c->slots);
            free(c->bloom);
            c->slots = c->bloom = NULL;
            c->cap_bits = 0;
            return NULL;
        }
        c->cap_bits = cap;
        c->gen = 0;
    }
    c->bits = bits;
    c->mask = ((uint64_t)1 << bits) - 1;
    c->gen++;
    memset(c->bloom, 0, sizeof(uint64_t) * (((size_t)1 << (bits + BLOOM_SHIFT)) / 64 + 1));
    return c;
}

static inline uint64_t bloom_bit(const Counter *c, uint64_t key) {
    return ((key + 1) * MULT) >> (64 - (c->bits + BLOOM_SHIFT));
}

static void counter_add(Counter *c, uint64_t key) {
    uint64_t bit = bloom_bit(c, key);
    c->bloom[bit >> 6] |= (uint64_t)1 << (bit & 63);
    uint64_t stored = (key + 1) | (c->gen << GEN_SHIFT);
    uint64_t pos = ((key + 1) * MULT) >> (64 - c->bits);
    for (;;) {
        uint64_t k = c->slots[2 * pos];
        if (k == stored) { c->slots[2 * pos + 1]++; return; }
        if ((k >> GEN_SHIFT) != c->gen) { c->slots[2 * pos] = stored; c->slots[2 * pos + 1] = 1; return; }
        pos = (pos + 1) & c->mask;
    }
}

static inline void counter_prefetch(const Counter *c, uint64_t key) {
    __builtin_prefetch(&c->slots[2 * (((key + 1) * MULT) >> (64 - c->bits))]);
}

static double counter_get(const Counter *c, uint64_t key) {
    if (c->bloom) {
        uint64_t bit = bloom_bit(c, key);
        if (!(c->bloom[bit >> 6] >> (bit & 63) & 1)) return 0.0;  /* never added */
    }
    uint64_t stored = (key + 1) | (c->gen << GEN_SHIFT);
    uint64_t pos = ((key + 1) * MULT) >> (64 - c->bits);
    for (;;) {
        uint64_t k = c->slots[2 * pos];
        if (k == stored) return (double)c->slots[2 * pos + 1];
        if ((k >> GEN_SHIFT) != c->gen) return 0.0;
        pos = (pos + 1) & c->mask;
    }
}

/* Two zeroed int32 counters per code point, one pair per thread, allocated once and handed
 * back zeroed (callers clear what they counted): no 4 MB clear per document. */
static _Thread_local int32_t *per_char_buf[2];

static int32_t *per_char(int which) {
    if (!per_char_buf[which]) per_char_buf[which] = calloc(UNICODE_SIZE, sizeof(int32_t));
    return per_char_buf[which];
}

/* log1p of a count: a table for the small ones (filled once when the module loads). */
#define LOG1P_TABLE 1024
static double log1p_table[LOG1P_TABLE];

static inline double lg1p(double count) {
    return count >= 0 && count < LOG1P_TABLE ? log1p_table[(int)count] : log1p(count);
}

/* Letters (str.isalpha, ASCII excluded: an ASCII neighbour is always a word boundary) and
 * spaces (str.isspace), per code point: filled once when the module loads. */
#define CLASS_ALPHA 1
#define CLASS_SPACE 2
static uint8_t char_class[UNICODE_SIZE];

static void fill_char_class(void) {
    for (Py_UCS4 c = 0x80; c < UNICODE_SIZE; c++)
        if (Py_UNICODE_ISALPHA(c)) char_class[c] |= CLASS_ALPHA;
    for (Py_UCS4 c = 0; c < 0x3001; c++)
        if (Py_UNICODE_ISSPACE(c)) char_class[c] |= CLASS_SPACE;
}

/* Where (a, b) sits in a row-by-row (CSR) pair table, or -1: binary search in row a.
 * Branch-free (the compare picks the half with a conditional move): the searched pairs are
 * new ones, so a branch on the compare would be mispredicted every other step. */
static inline int32_t csr_find(const int32_t *row, const int32_t *col, int32_t a, int32_t b) {
    int32_t lo = row[a], len = row[a + 1] - lo;
    if (len <= 0) return -1;
    const int32_t *at = col + lo;
    while (len > 1) {
        int32_t half = len >> 1;
        at = at[half] <= b ? at + half : at;
        len -= half;
    }
    return *at == b ? (int32_t)(at - col) : -1;
}

/* ---------------------------------------------------------------- the model */

typedef struct {
    const double *uni, *start, *weight;
    const uint8_t *in_table, *clause_end, *openers, *closers;
    const int32_t *bi_row, *bi_col;  /* pairs (a, b) with P(b | a), row by row (CSR) */
    const double *bi_val;
    Table words;
    const int32_t *in_row, *in_col;  /* pairs that occur inside words, row by row (CSR) */
    int32_t top;  /* the per-character arrays end here: its entry stands for every code point
                   * above it (ModelArrays.at); the CSR rows have top + 2 entries */
    Table tri;  /* running-text trigrams and their contexts (ModelArrays.trigrams) */
    double opener_before_end;
    /* per document */
    double ascii_p[128];
    const Counter *intact;  /* pairs seen intact (NULL: none) */
    uint64_t gen;           /* this call's generation in the memo */
    const int32_t *intact_left;  /* per code point (may be NULL) */
    double cache_weight;
    const int32_t *doc;  /* character counts of the first-round text (NULL: none) */
    double doc_total, doc_weight;
    /* Scores already computed: a document repeats its pairs. */
    struct Memo *memo;
    uint64_t *inword;  /* in_word's answers (NULL: none; see in_word) */
} Model;

#define MEMO_BITS 16

static inline uint64_t pair_key(int32_t a, int32_t b) { return ((uint64_t)a << 21) | (uint64_t)b; }

static double pair_p(const Model *m, int32_t a, int32_t b, double *seen);

/* One memo entry in one cache line: the pair, P before the document's counts join,
 * log of that P, and how often the pair is intact. */
struct Memo {
    uint64_t key;   /* stamped pair key (see GEN_SHIFT) */
    uint64_t key2;  /* == key once logp2 (round two) is known */
    double p, logp, seen, logp2;
};

static _Thread_local struct Memo *tl_memo;
static _Thread_local uint64_t tl_memo_gen;

static struct Memo *memo_open(uint64_t *gen) {
    if (!tl_memo || tl_memo_gen + 1 >= GEN_MAX) {
        free(tl_memo);
        tl_memo = calloc((size_t)1 << MEMO_BITS, sizeof(struct Memo));
        tl_memo_gen = 0;
        if (!tl_memo) return NULL;
    }
    *gen = ++tl_memo_gen;
    return tl_memo;
}

/* A memo miss: compute the pair (kept out of line so the hit path inlines). */
static NOINLINE void memo_fill(const Model *m, struct Memo *e, uint64_t key, int32_t a, int32_t b) {
    e->key = key;
    e->key2 = 0;
    e->p = pair_p(m, a, b, &e->seen);
    e->logp = log(e->p);
}

/* Round two: the document's character counts join the memo's P. */
static NOINLINE double memo_doc(const Model *m, struct Memo *e, uint64_t key, int32_t b) {
    double p = e->p;
    if (m->doc_total) p = (1 - m->doc_weight) * p + m->doc_weight * m->doc[b] / m->doc_total;
    e->logp2 = log(p);
    e->key2 = key;
    return e->logp2;
}

/* log P(b | a) (lossy._Model.logp) and, in *seen, how often the pair is intact.
 * The memo keeps, per pair, the probability before the document's character counts are
 * mixed in (they join in round two), so round two reuses round one's work. */
ALWAYS_INLINE double logp(const Model *m, int32_t a, int32_t b, double *seen) {
    uint64_t plain = pair_key(a, b) + 1;
    uint64_t key = plain | (m->gen << GEN_SHIFT);
    uint64_t at = (plain * MULT) >> (64 - MEMO_BITS);
    struct Memo *e = &m->memo[at];
    if (e->key != key) memo_fill(m, e, key, a, b);
    if (seen) *seen = e->seen;
    if (!m->doc) return e->logp;
    if (e->key2 == key) return e->logp2;
    return memo_doc(m, e, key, b);
}

/* P(b | a) from the prior mixed with the pairs the document shows intact. */
static double pair_p(const Model *m, int32_t a, int32_t b, double *seen) {
    int32_t ca = a > m->top ? m->top : a, cb = b > m->top ? m->top : b;  /* see Model.top */
    int32_t at = csr_find(m->bi_row, m->bi_col, ca, b);
    double pair = at >= 0 ? m->bi_val[at] : 0.0;
    int boundary = !(char_class[a] & CLASS_ALPHA);
    double uni = boundary ? m->start[cb] : m->uni[cb];
    if (b < 0x80 && !m->in_table[b]) uni = m->ascii_p[b];
    double p = pair + m->weight[ca] * uni;
    int damp = m->clause_end[cb] ? m->openers[ca] : (m->closers[ca] && !(char_class[b] & CLASS_SPACE));
    if (damp) p = m->opener_before_end * p;
    double n = 0.0;
    if (m->intact_left) {
        double left = (double)m->intact_left[a];
        if (left > 0) {
            n = counter_get(m->intact, pair_key(a, b));
            if (m->cache_weight) p = (1 - m->cache_weight) * p + m->cache_weight * n / left;
        }
    }
    *seen = n;
    return p;
}

/* log P(b | a), 0 without a neighbour; not memoised (round one's caches hold each result
 * once). */
static inline double lp_direct(const Model *m, int32_t a, int32_t b) {
    double seen;
    return (a < 0 || b < 0) ? 0.0 : log(pair_p(m, a, b, &seen));
}

/* ---------------------------------------------------------------- decide */

typedef struct {
    Py_ssize_t m, k, n;
    const int32_t *start, *end, *tail_start, *first;
    const double *prior;
    const uint8_t *keeps;  /* [m*k]: a multi-character reading keeping its tail */
    const uint8_t *multi;  /* [m]: the slot has a tail */
    const int32_t *pid;    /* [m]: slots with the same readings share an id (-1: none);
                            * pid >> 1 equal: one's readings begin the other's */
    const int32_t *cps;
} Slots;

static inline int32_t last_of(const Slots *s, Py_ssize_t r, Py_ssize_t c) {
    if (s->multi[r] && s->keeps[r * s->k + c] && s->end[r] > s->tail_start[r]) return s->cps[s->end[r] - 1];
    return s->first[r * s->k + c];
}

static inline double base_of(const Slots *s, const Model *md, Py_ssize_t r, Py_ssize_t c) {
    double v = s->prior[r * s->k + c];
    if (s->multi[r] && s->keeps[r * s->k + c]) {
        int32_t prev = s->first[r * s->k + c];
        for (Py_ssize_t q = s->tail_start[r]; q < s->end[r]; q++) {
            v += logp(md, prev, s->cps[q], NULL);
            prev = s->cps[q];
        }
    }
    return v;
}

/* A reading's score before its neighbours join (NEG: no reading): its prior, plus its tail's
 * bigrams for a reading that keeps one (base_of). */
ALWAYS_INLINE double base_at(const Slots *s, const Model *md, Py_ssize_t r, Py_ssize_t c) {
    if (s->first[r * s->k + c] < 0) return NEG;
    return s->multi[r] ? base_of(s, md, r, c) : s->prior[r * s->k + c];
}

static double posterior(const double *scores, Py_ssize_t k, Py_ssize_t choice) {
    double top = scores[choice], total = 0.0;
    for (Py_ssize_t c = 0; c < k; c++)
        if (isfinite(scores[c]) && scores[c] - top > -40.0) total += exp(scores[c] - top);
    return rint(1.0 / total * 1e4) / 1e4;
}

static Py_ssize_t argmax(const double *scores, Py_ssize_t k) {
    Py_ssize_t best = 0;
    for (Py_ssize_t c = 1; c < k; c++)
        if (scores[c] > scores[best]) best = c;
    return best;
}

/* Write the readings into `final` (a copy of emit) and the repaired text into `out`;
 * pos[r] = where slot r's reading starts in out. Returns the length of out. */
static Py_ssize_t assemble(const Slots *s, const int32_t *emit, const int32_t *choice, int32_t *final,
                           int32_t *out, int32_t *pos) {
    memcpy(final, emit, s->n * sizeof(int32_t));
    for (Py_ssize_t r = 0; r < s->m; r++) {
        final[s->start[r]] = s->first[r * s->k + choice[r]];
        if (s->multi[r] && s->keeps[r * s->k + choice[r]])
            for (Py_ssize_t q = s->tail_start[r]; q < s->end[r]; q++) final[q] = s->cps[q];
    }
    /* Compact final into out, a stretch between slot starts at a time; branch-free (a
     * character that emits nothing is written over by the next). */
    Py_ssize_t o = 0, i = 0;
    for (Py_ssize_t r = 0; r <= s->m; r++) {
        Py_ssize_t stop = r < s->m ? s->start[r] : s->n;
        for (; i < stop; i++) {
            int32_t c = final[i];
            out[o] = c;
            o += c >= 0;
        }
        if (r < s->m) pos[r] = (int32_t)o;
    }
    return o;
}

static const int32_t CLOSE[][2] = {
    {0x300D, 0x300C}, {0x300F, 0x300E}, {0xFF09, 0xFF08}, {0x3011, 0x3010},
    {0x300B, 0x300A}, {0x3009, 0x3008}, {0x201D, 0x201C}, {0x29, 0x28},
};

/* lossy.bracket_bonus: +open when the closer's opener is unmatched in the line so far. */
static double bracket(int32_t cand, const int32_t *out, Py_ssize_t at, double open_bonus,
                      double not_open) {
    int32_t opener = -1;
    for (int q = 0; q < 8; q++)
        if (CLOSE[q][0] == cand) opener = CLOSE[q][1];
    if (opener < 0) return 0.0;
    Py_ssize_t lo = at - LINE < 0 ? 0 : at - LINE;
    for (Py_ssize_t q = at - 1; q >= lo; q--)
        if (out[q] == '\n') { lo = q + 1; break; }
    for (Py_ssize_t q = at - 1; q >= lo; q--) {
        if (out[q] == cand) return not_open;  /* closed after the last opener, or no opener */
        if (out[q] == opener) return open_bonus;
    }
    return not_open;
}

/* The 在 … 中 frame (lossy.frame_bonus): which of 与 / 不 / 中 a code point is (-1: none). */
static inline int frame_index(int32_t c) {
    return c == 0x4E0E ? 0 : c == 0x4E0D ? 1 : c == 0x4E2D ? 2 : -1;
}

/* What ends the clause a frame reads (lossy.CLAUSE_STOP). */
static inline int clause_stop(int32_t c) {
    static const int32_t stops[] = {0xFF0C, 0x3002, 0xFF1B, 0xFF1A, 0xFF01, 0xFF1F, 0x3001,
                                    '\n', ',', '.', ';', ':', '!', '?'};
    for (size_t x = 0; x < sizeof stops / sizeof stops[0]; x++)
        if (c == stops[x]) return 1;
    return 0;
}

/* Is 在 open in the clause before `at` (back to a clause stop, at most LINE characters)? */
static int frame_open(const int32_t *out, Py_ssize_t at) {
    Py_ssize_t lo = at - LINE < 0 ? 0 : at - LINE;
    for (Py_ssize_t q = at - 1; q >= lo; q--) {
        if (clause_stop(out[q])) return 0;
        if (out[q] == 0x5728) return 1;
    }
    return 0;
}

/* The 与 … 相比 frame (lossy.closes_frame): does a word of closers (n pairs of code points,
 * lossy.FRAME_CLOSERS) follow in the clause that starts at `from`, after at least one
 * character, within LINE characters? */
static int closes_frame(const int32_t *out, Py_ssize_t from, Py_ssize_t n_out,
                        const int32_t *closers, Py_ssize_t n) {
    Py_ssize_t hi = from + LINE < n_out ? from + LINE : n_out;
    for (Py_ssize_t q = from; q < hi; q++) {
        if (clause_stop(out[q])) return 0;
        if (q == from || q + 1 >= hi) continue;
        for (Py_ssize_t w = 0; w < n; w++)
            if (out[q] == closers[2 * w] && out[q + 1] == closers[2 * w + 1]) return 1;
    }
    return 0;
}

/* Does the pair (a, b) occur inside some word? The word windows of nearby slots overlap,
 * so each worker keeps the answers in a small direct-mapped table (m->inword: 2**INWORD_BITS
 * entries of (pair key + 1) << 1 | answer, 0 = empty; seed 004 asks 28,292 times for 9,722
 * pairs). */
#define INWORD_BITS 12
static int in_word(const Model *m, int32_t a, int32_t b) {
    if (a > m->top) a = m->top;  /* no word pair starts past it: an empty row */
    if (!m->inword) return csr_find(m->in_row, m->in_col, a, b) >= 0;
    uint64_t key = pair_key(a, b) + 1;
    uint64_t *e = &m->inword[(key * MULT) >> (64 - INWORD_BITS)];
    if (*e >> 1 == key) return (int)(*e & 1);
    int found = csr_find(m->in_row, m->in_col, a, b) >= 0;
    *e = key << 1 | (uint64_t)found;
    return found;
}

/* The word bonus at window[CONTEXT] (window: 2*CONTEXT+1 code points, -1 = none), as
 * lossy._word_bonus: what the centre gains by joining a word when the words around it
 * compete for the same characters. With best(i) the best total bonus of non-overlapping
 * words inside window[0:i] and rest(i) the same inside window[i:], it is
 * max(without, best(s) + bonus(window[s:e]) + rest(e) over words covering the centre) -
 * without, where without = best(c) + rest(c + 1). (稀疏[与]线性: 丝线 is a word, but its 线
 * already belongs to 线性, so 丝 gains only what 丝线 has over 线性.) Every pair inside a
 * word is an inner pair, so only stretches of inner pairs are looked up. */
#define WIN (2 * CONTEXT + 1)

/* The sides of a window: the words wholly left of the centre (best[i], i <= CONTEXT) and
 * wholly right of it (rest[i], i > CONTEXT). They do not depend on the centre, so a slot's
 * readings share them. */
typedef struct {
    double best[WIN + 1], rest[WIN + 1];
    int inner[WIN - 1];  /* inner[q]: (w[q], w[q + 1]) occurs inside some word */
} WordSides;

/* The bonus of window[s:e] (0: not a word, or a pair inside it never occurs in a word). */
static double piece_value(const Model *m, const int32_t *w, const int *inner, int s, int e) {
    for (int q = s; q + 1 < e; q++)
        if (!inner[q]) return 0.0;
    uint64_t h = 0;
    for (int q = s; q < e; q++) h = h * POLY + (uint64_t)(w[q] + 1);
    return table_get(&m->words, h & 0x7FFFFFFFFFFFFFFFULL, 0.0);
}

static void word_sides(const Model *m, const int32_t *w, WordSides *ws) {
    const int c = CONTEXT;
    for (int q = 0; q + 1 < WIN; q++)
        if (q != c - 1 && q != c) ws->inner[q] = w[q] >= 0 && w[q + 1] >= 0 && in_word(m, w[q], w[q + 1]);
    ws->inner[c - 1] = ws->inner[c] = 0;  /* the centre's pairs: per reading */
    /* A piece holding a pair that occurs in no word is worth 0 (piece_value), and so is
     * every longer piece holding it: the search stops there. */
    ws->best[0] = 0.0;
    for (int i = 1; i <= c; i++) {
        double v = ws->best[i - 1];
        for (int s = i - 2; s >= 0 && i - s <= 7 && ws->inner[s]; s--) {
            double x = piece_value(m, w, ws->inner, s, i);
            if (x > 0 && ws->best[s] + x > v) v = ws->best[s] + x;
        }
        ws->best[i] = v;
    }
    ws->rest[WIN] = 0.0;
    for (int i = WIN - 1; i > c; i--) {
        double v = ws->rest[i + 1];
        for (int e = i + 2; e <= WIN && e - i <= 7 && ws->inner[e - 2]; e++) {
            double x = piece_value(m, w, ws->inner, i, e);
            if (x > 0 && x + ws->rest[e] > v) v = x + ws->rest[e];
        }
        ws->rest[i] = v;
    }
}

/* The word bonus at window[CONTEXT] (window: 2*CONTEXT+1 code points, -1 = none), as
 * lossy._word_bonus: what the centre gains by joining a word when the words around it
 * compete for the same characters. With best(i) the best total bonus of non-overlapping
 * words inside window[0:i] and rest(i) the same inside window[i:], it is
 * max(without, best(s) + bonus(window[s:e]) + rest(e) over words covering the centre) -
 * without, where without = best(c) + rest(c + 1). (稀疏[与]线性: 丝线 is a word, but its 线
 * already belongs to 线性, so 丝 gains only what 丝线 has over 线性.) Every pair inside a
 * word is an inner pair, so only stretches of inner pairs are looked up. `ws` holds the
 * window's sides (word_sides); the piece w[skip:skip + 2] never counts (-1: none). */
static double word_bonus(const Model *m, const int32_t *w, WordSides *ws, int skip) {
    const int c = CONTEXT;
    ws->inner[c - 1] = w[c - 1] >= 0 && in_word(m, w[c - 1], w[c]);
    ws->inner[c] = w[c + 1] >= 0 && in_word(m, w[c], w[c + 1]);
    double gain = 0.0;
    if (ws->inner[c - 1] || ws->inner[c]) {
        double without = ws->best[c] + ws->rest[c + 1], with_c = without;
        for (int s = c; s >= 0 && c - s < 7; s--) {
            if (s < c && !ws->inner[s]) break;  /* a word through c holds the pairs s..c */
            for (int e = c + 1; e <= WIN && e - s <= 7; e++) {
                if (e - s < 2) continue;
                if (e > c + 1 && !ws->inner[e - 2]) break;
                if (s == skip && e == skip + 2) continue;  /* not a word here (pair_round) */
                double x = piece_value(m, w, ws->inner, s, e);
                if (x > 0 && ws->best[s] + x + ws->rest[e] > with_c) with_c = ws->best[s] + x + ws->rest[e];
            }
        }
        gain = with_c - without;
    }
    ws->inner[c - 1] = ws->inner[c] = 0;
    return gain;
}

/* (interleaved uint64 slots, bits[, filter, filter bits]) or None; buf[0] and, with a
 * filter, buf[1] are to be released (*nbuf: how many). */
static int get_table(PyObject *o, Table *t, Py_buffer *buf, int *nbuf) {
    *nbuf = 0;
    t->filter = NULL;
    t->filter_bits = 0;
    if (o == Py_None) { t->slots = NULL; return 1; }
    int bits, filter_bits = 0;
    buf[1].buf = NULL;
    if (!PyArg_ParseTuple(o, "y*i|y*i", &buf[0], &bits, &buf[1], &filter_bits)) return 0;
    *nbuf = buf[1].buf ? 2 : 1;
    if (bits < 1 || bits > 40 || buf[0].len != (Py_ssize_t)(16ULL << bits) ||
        (buf[1].buf && (filter_bits < 0 || filter_bits > 40 ||
                        buf[1].len != (Py_ssize_t)(64ULL << filter_bits)))) {
        PyErr_SetString(PyExc_ValueError, "decide: a hash table or its filter of the wrong size");
        return 0;
    }
    t->slots = buf[0].buf;
    t->bits = bits;
    t->mask = ((uint64_t)1 << bits) - 1;
    t->filter = buf[1].buf;
    t->filter_bits = filter_bits;
    return 1;
}

/* ---------------------------------------------------------------- the two rounds */

/* Scores of every reading of a slot against one neighbour, kept per (neighbour, readings):
 * a document has few distinct readings rows (352 for ~6,400 damaged characters in seed
 * 004), and the same neighbour meets the same row again and again. A vector is `width`
 * scores (k, or k * k for the transitions between two rows), stored in chunks that never
 * move, so a pointer handed out stays valid. The caches outlive a call (see cache_take):
 * emptying one clears only the entries it holds. */
#define CHUNK_BITS 8

typedef struct {
    uint64_t *keys;   /* key + 1 per table position; 0 = empty */
    int32_t *at;      /* the vector at each table position */
    int bits;
    uint64_t mask;
    uint64_t *owner;  /* per vector: its key + 1 (to rehash and to empty) */
    double **chunks;
    Py_ssize_t width, used, n_chunks, max_chunks;
} VecCache;

static void vec_free(VecCache *v) {
    for (Py_ssize_t c = 0; c < v->n_chunks; c++) free(v->chunks[c]);
    free(v->chunks); free(v->keys); free(v->at); free(v->owner);
    memset(v, 0, sizeof *v);
}

/* Empty the cache for vectors of `width` scores. Returns 0 when memory ran out. */
static int vec_reset(VecCache *v, Py_ssize_t width) {
    if (v->width != width) {
        vec_free(v);
        v->width = width;
    }
    if (!v->keys) {
        v->bits = 10;
        v->mask = ((uint64_t)1 << v->bits) - 1;
        v->keys = calloc((size_t)1 << v->bits, sizeof(uint64_t));
        v->at = malloc(sizeof(int32_t) << v->bits);
        if (!v->keys || !v->at) return 0;
    }
    for (Py_ssize_t q = 0; q < v->used; q++) {  /* clear only what is there */
        uint64_t pos = (v->owner[q] * MULT) >> (64 - v->bits);
        while (v->keys[pos] != v->owner[q]) pos = (pos + 1) & v->mask;
        v->keys[pos] = 0;
    }
    /* Linear probing needs no gaps inside a cluster: clearing all entries leaves none. */
    v->used = 0;
    return 1;
}

static int vec_rehash(VecCache *v) {
    int bits = v->bits + 1;
    uint64_t *keys = calloc((size_t)1 << bits, sizeof(uint64_t));
    int32_t *at = malloc(sizeof(int32_t) << bits);
    if (!keys || !at) { free(keys); free(at); return 0; }
    uint64_t mask = ((uint64_t)1 << bits) - 1;
    for (Py_ssize_t q = 0; q < v->used; q++) {
        uint64_t pos = (v->owner[q] * MULT) >> (64 - bits);
        while (keys[pos]) pos = (pos + 1) & mask;
        keys[pos] = v->owner[q];
        at[pos] = (int32_t)q;
    }
    free(v->keys); free(v->at);
    v->keys = keys; v->at = at; v->bits = bits; v->mask = mask;
    return 1;
}

static inline double *vec_at(const VecCache *v, Py_ssize_t q) {
    return v->chunks[q >> CHUNK_BITS] + (q & ((1 << CHUNK_BITS) - 1)) * v->width;
}

/* The vector stored under `key`, or a fresh one (*fresh = 1) to fill; NULL when memory
 * ran out (the caller then scores without the cache). */
static double *vec_get(VecCache *v, uint64_t key, int *fresh) {
    uint64_t stored = key + 1;
    uint64_t pos = (stored * MULT) >> (64 - v->bits);
    for (;;) {
        uint64_t k = v->keys[pos];
        if (k == stored) { *fresh = 0; return vec_at(v, v->at[pos]); }
        if (k == 0) break;
        pos = (pos + 1) & v->mask;
    }
    Py_ssize_t q = v->used;
    if ((q >> CHUNK_BITS) >= v->n_chunks) {
        if (v->n_chunks == v->max_chunks) {
            Py_ssize_t more = v->max_chunks ? 2 * v->max_chunks : 8;
            double **chunks = realloc(v->chunks, sizeof(double *) * more);
            uint64_t *owner = realloc(v->owner, sizeof(uint64_t) * (more << CHUNK_BITS));
            if (chunks) v->chunks = chunks;
            if (owner) v->owner = owner;
            if (!chunks || !owner) return NULL;
            v->max_chunks = more;
        }
        double *chunk = malloc(sizeof(double) * (v->width << CHUNK_BITS));
        if (!chunk) return NULL;
        v->chunks[v->n_chunks++] = chunk;
    }
    v->keys[pos] = stored;
    v->at[pos] = (int32_t)q;
    v->owner[q] = stored;
    v->used++;
    *fresh = 1;
    double *out = vec_at(v, q);
    if (2 * v->used > (Py_ssize_t)v->mask && !vec_rehash(v)) {
        /* the table stays as it is (still correct, only fuller) */
    }
    return out;
}

/* The trigram table is large (16 MB for zh) and probed at random: each round-two worker
 * keeps a small direct-mapped memo of its answers (256 KB, in its pooled Caches, emptied
 * for each call), so a document's repeated
 * contexts stay out of main memory. It holds only what the table says. */
#define TRI_MEMO_BITS 14
/* Readings per slot at most (LossyWeights.keep is 16). */
#define MAX_K 64
typedef struct {
    uint64_t key;  /* triple key + 1; 0 = empty */
    double value;  /* NAN: absent from the table */
} TriMemo;

/* Round one's caches for one worker, pooled across calls (a worker thread of its own per
 * call would otherwise build them afresh every time). */
typedef struct {
    VecCache sides, links;
    double *scratch;  /* 2 side vectors (3 * k each) + k * k scores for what is not cached */
    TriMemo *tri;     /* round two's trigram memo (allocated when first needed) */
    uint64_t *inword; /* rounds two and three's in_word answers (allocated when first needed) */
    Py_ssize_t k;
    int busy;
} Caches;

#ifndef _WIN32
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
#endif
static Caches caches_pool[4];

static Caches *caches_take(Py_ssize_t k) {
    Caches *c = NULL;
#ifndef _WIN32
    pthread_mutex_lock(&caches_lock);
#endif
    for (int q = 0; q < 4 && !c; q++)
        if (!caches_pool[q].busy) { c = &caches_pool[q]; c->busy = 1; }
#ifndef _WIN32
    pthread_mutex_unlock(&caches_lock);
#endif
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) return NULL;
        c->busy = 2;  /* not pooled: freed by caches_give */
    }
    if (c->k != k) {
        free(c->scratch);
        c->scratch = malloc(sizeof(double) * (size_t)(6 * k + k * k));
        c->k = c->scratch ? k : 0;
    }
    if (!c->scratch || !vec_reset(&c->sides, 3 * k + 1) || !vec_reset(&c->links, k * k)) {
        c->k = 0;
        return c;  /* the caller sees c->k == 0 */
    }
    return c;
}

static void caches_give(Caches *c) {
    if (!c) return;
    if (c->busy == 2) {
        vec_free(&c->sides); vec_free(&c->links); free(c->scratch); free(c->tri); free(c->inword); free(c);
        return;
    }
#ifndef _WIN32
    pthread_mutex_lock(&caches_lock);
#endif
    c->busy = 0;
#ifndef _WIN32
    pthread_mutex_unlock(&caches_lock);
#endif
}

/* What both rounds' jobs start with (run_pair reads it). */
typedef struct {
    const Slots *s;
    Model md;
    double *score;  /* k + 1 scratch scores */
} JobHead;

/* One worker's share of round one: whole groups [lo, hi), its own copy of the model (so its
 * own memo) and its own score caches. */
typedef struct {
    JobHead h;
    int32_t *nv;
    const int32_t *left, *right;
    double *vit;      /* [group length * k]: the Viterbi scores of the group at hand */
    int32_t *back;    /* [group length * k]: and where each came from */
    int32_t *choice;
    double *conf;
    Py_ssize_t lo, hi;
    Caches *cache;
    const double **link_of;  /* [m]: slot t's cached transitions from slot t - 1, or NULL */
    const double **lvec, **rvec;  /* [m]: the slot's cached side vector against left[r]
                                   * (right[r]), or NULL: round two reads them again */
} Round1;

/* lp_direct(ch, first code point of each reading of slot r) (side 0), or
 * lp_direct(last code point of each reading, ch) (side 1): k scores; those of readings that
 * do not exist are 0. Slot r's valid readings are its first nv[r] columns. Behind the k
 * scores: each pair's P and how often the document shows it intact (k each), which round
 * two mixes again. A cached vector is shared by the slots whose pid >> 1 is equal (their
 * readings agree as far as the shorter list goes: a slot in a group keeps only the first
 * chain_keep of its pattern's) and holds the first out[3 * k] columns: a slot with more
 * readings computes the rest. */
static const double *side_scores(Round1 *j, int side, int32_t ch, Py_ssize_t r) {
    const Slots *s = j->h.s;
    const Model *md = &j->h.md;
    Py_ssize_t k = s->k, from = 0;
    double *out = j->cache->scratch + side * 3 * k;
    if (s->pid[r] >= 0) {
        int fresh = 1;
        uint64_t key = ((uint64_t)side << 62) | ((uint64_t)(uint32_t)(s->pid[r] >> 1) << 22) | (uint64_t)(ch + 1);
        double *hit = vec_get(&j->cache->sides, key, &fresh);
        if (hit) {
            out = hit;
            if (!fresh) from = (Py_ssize_t)out[3 * k];
            if (from >= j->nv[r]) return out;
            out[3 * k] = (double)j->nv[r];
        }
    }
    for (Py_ssize_t c = from; c < k; c++) {
        int32_t a = side ? last_of(s, r, c) : ch, b = side ? ch : s->first[r * k + c];
        if (c >= j->nv[r] || a < 0 || b < 0) {
            out[c] = out[k + c] = out[2 * k + c] = 0.0;
            continue;
        }
        double seen, p = pair_p(md, a, b, &seen);
        out[c] = log(p);
        out[k + c] = p;
        out[2 * k + c] = seen;
    }
    return out;
}

/* Is this side vector one of the caches' (so it outlives the call)? */
static inline const double *kept(const Round1 *j, const double *v) {
    const double *scratch = j->cache->scratch;
    return v >= scratch && v < scratch + 6 * j->h.s->k ? NULL : v;
}

/* Transitions from slot t - 1's readings (rows) to slot t's (columns): k * k scores. */
static const double *link_scores(Round1 *j, Py_ssize_t t, double *scratch) {
    const Slots *s = j->h.s;
    const Model *md = &j->h.md;
    Py_ssize_t k = s->k;
    double *out = scratch;
    int fresh = 1;
    if (s->pid[t - 1] >= 0 && s->pid[t] >= 0) {
        uint64_t key = ((uint64_t)(uint32_t)s->pid[t - 1] << 31) | (uint64_t)(uint32_t)s->pid[t];
        double *hit = vec_get(&j->cache->links, key, &fresh);
        if (hit) out = hit;
        if (!fresh) return out;
    }
    Py_ssize_t np_ = j->nv[t - 1];
    for (Py_ssize_t p = 0; p < np_; p++) {
        int32_t last = s->first[(t - 1) * k + p] >= 0 ? last_of(s, t - 1, p) : -1;
        for (Py_ssize_t c = 0; c < j->nv[t]; c++) {
            int32_t f = s->first[t * k + c];
            out[p * k + c] = last >= 0 && f >= 0 ? lp_direct(md, last, f) : 0.0;
        }
    }
    return out;
}

/* A lone slot's decision in round one, kept for the next lone slot with the same readings
 * (pid, one character each) between the same neighbours: its scores, so its choice and
 * confidence, are the same (seed 004: 3,390 such slots, 2,288 distinct). */
typedef struct {
    uint64_t pid, sides;  /* pid + 1 (0: empty); (left + 1) << 22 | (right + 1) */
    const double *lv, *rv;
    double conf;
    int32_t choice;
} LoneMemo;

static void round1_run(void *arg) {
    Round1 *j = arg;
    const Slots *s = j->h.s;
    const Model *md = &j->h.md;
    int32_t *nv = j->nv;
    const int32_t *left = j->left, *right = j->right;
    double *vit = j->vit, *conf = j->conf, *score = j->h.score;
    int32_t *back = j->back, *choice = j->choice;
    Py_ssize_t k = s->k;
    /* Readings come best first, so a slot's valid ones are its first nv[r] columns. */
    for (Py_ssize_t r = j->lo; r < j->hi; r++) {
        j->lvec[r] = j->rvec[r] = NULL;
        nv[r] = 0;
        for (Py_ssize_t c = 0; c < k; c++)
            if (s->first[r * k + c] >= 0) nv[r] = (int32_t)c + 1;
    }
    double *link_scratch = j->cache->scratch + 6 * k;
    int lone_bits = 4;
    while (((Py_ssize_t)1 << lone_bits) < 2 * (j->hi - j->lo) + 2) lone_bits++;
    uint64_t lone_mask = ((uint64_t)1 << lone_bits) - 1;
    LoneMemo *lone = calloc((size_t)1 << lone_bits, sizeof(LoneMemo));  /* NULL: no memo */
    Py_ssize_t r = j->lo;
    while (r < j->hi) {
        Py_ssize_t g = r;
        while (g + 1 < j->hi && s->end[g] == s->start[g + 1]) g++;
        if (g == r) {
            LoneMemo *e = NULL;
            uint64_t e_pid = 0, e_sides = 0;
            if (lone && s->pid[r] >= 0 && !s->multi[r]) {
                e_pid = (uint64_t)s->pid[r] + 1;
                e_sides = ((uint64_t)(left[r] + 1) << 22) | (uint64_t)(right[r] + 1);
                uint64_t at = (((e_pid * MULT) ^ e_sides) * MULT) >> (64 - lone_bits);
                while (lone[at].pid && !(lone[at].pid == e_pid && lone[at].sides == e_sides))
                    at = (at + 1) & lone_mask;
                e = &lone[at];
                if (e->pid) {
                    j->lvec[r] = e->lv;
                    j->rvec[r] = e->rv;
                    choice[r] = e->choice;
                    conf[r] = e->conf;
                    r++;
                    continue;
                }
            }
            const double *lv = side_scores(j, 0, left[r], r);
            const double *rv = side_scores(j, 1, right[r], r);
            j->lvec[r] = kept(j, lv);
            j->rvec[r] = kept(j, rv);
            for (Py_ssize_t c = 0; c < k; c++) {
                double v = base_at(s, md, r, c);
                if (c < nv[r] && isfinite(v)) v += lv[c] + rv[c];
                score[c] = v;
            }
            choice[r] = (int32_t)argmax(score, k);
            conf[r] = posterior(score, k, choice[r]);
            if (e) *e = (LoneMemo){e_pid, e_sides, j->lvec[r], j->rvec[r], conf[r], choice[r]};
            r++;
            continue;
        }
        const double *lv = side_scores(j, 0, left[r], r);
        j->lvec[r] = kept(j, lv);
        /* vit and back hold the group's rows: slot t's at (t - r) * k. */
        for (Py_ssize_t c = 0; c < k; c++) {
            double v = base_at(s, md, r, c);
            if (c < nv[r] && isfinite(v)) v += lv[c];
            vit[c] = v;
        }
        for (Py_ssize_t t = r + 1; t <= g; t++) {
            const double *tr = link_scores(j, t, link_scratch);
            j->link_of[t] = tr == link_scratch ? NULL : tr;
            Py_ssize_t np_ = nv[t - 1] < 64 ? nv[t - 1] : 64;
            for (Py_ssize_t c = 0; c < k; c++) {
                int32_t f = s->first[t * k + c];
                Py_ssize_t at = (t - r) * k + c;
                if (c >= nv[t] || f < 0) {
                    back[at] = 0;
                    vit[at] = NEG;
                    continue;
                }
                Py_ssize_t best = 0;
                double best_v = NEG;
                for (Py_ssize_t p = 0; p < np_; p++) {
                    double v = vit[(t - 1 - r) * k + p] + tr[p * k + c];
                    if (p == 0 || v > best_v) { best_v = v; best = p; }
                }
                back[at] = (int32_t)best;
                vit[at] = best_v + base_at(s, md, t, c);
            }
        }
        const double *rv = side_scores(j, 1, right[g], g);
        j->rvec[g] = kept(j, rv);
        for (Py_ssize_t c = 0; c < k; c++) {
            double v = vit[(g - r) * k + c];
            if (c < nv[g] && isfinite(v)) v += rv[c];
            score[c] = v;
        }
        Py_ssize_t c = argmax(score, k);
        for (Py_ssize_t t = g; t >= r; t--) {
            choice[t] = (int32_t)c;
            if (t > r) c = back[(t - r) * k + c];
        }
        /* Each slot's confidence with its chosen neighbours: inside the group, those
         * scores are a row or a column of the transitions already there. */
        for (Py_ssize_t t = r; t <= g; t++) {
            const double *in = t > r ? j->link_of[t] : NULL, *out = t < g ? j->link_of[t + 1] : NULL;
            const double *bv = NULL, *av = NULL;
            Py_ssize_t b_at = 0, a_at = 0, b_step = 1, a_step = 1;
            if (in) {
                bv = in;
                b_at = choice[t - 1] * k;
            } else {
                bv = side_scores(j, 0, t > r ? last_of(s, t - 1, choice[t - 1]) : left[t], t);
            }
            if (out) {
                av = out;
                a_at = choice[t + 1];
                a_step = k;
            } else {
                av = side_scores(j, 1, t < g ? s->first[(t + 1) * k + choice[t + 1]] : right[t], t);
            }
            for (Py_ssize_t c2 = 0; c2 < k; c2++) {
                double v = base_at(s, md, t, c2);
                if (isfinite(v)) v += bv[b_at + c2 * b_step] + av[a_at + c2 * a_step];
                score[c2] = v;
            }
            conf[t] = posterior(score, k, choice[t]);
        }
        r = g + 1;
    }
    free(lone);
}

/* The settings round two reads. */
typedef struct {
    double intact_weight, word_weight, margin, sure, b_open, b_not, tri_weight;
    int frames;           /* apply the 在 … 中 frame (Chinese) */
    double frame_bonus[6]; /* 与, 不, 中: (在 open, not open), as lossy.FRAME_BONUS */
    double closer_bonus;   /* 与 when a closer follows (the 与 … 相比 frame); 0: off */
    const int32_t *closers; /* lossy.FRAME_CLOSERS as pairs of code points */
    Py_ssize_t n_closers;
} Round2Params;

/* Round one's caches, where they hold what rounds two and three need (the document's counts
 * have not joined P, or side vectors that keep P). */
typedef struct {
    const int32_t *left, *right;         /* round one's neighbours of each slot */
    const double *const *lvec, *const *rvec;  /* side vectors (logp | p | seen), or NULL */
    const double *const *link_of;        /* slot t's transitions from slot t - 1, or NULL */
} Round1Caches;

/* One worker's share of round two: slots [lo, hi), with its own copies of the repaired text
 * (out, pos, final) and of the model. */
typedef struct {
    JobHead h;
    const Round2Params *p;
    const int32_t *emit;
    int32_t *choice;
    double *conf;
    int32_t *final, *out, *pos;
    Py_ssize_t n_out, lo, hi;
    Round1Caches rc;    /* round one's neighbours, side vectors and transitions */
    TriMemo *tri_memo;  /* NULL: probe the trigram table directly */
} Round2;

/* logp (round two: the document's counts joined) from a side vector's P and counts. */
static inline double mixed_log(const Model *m, const double *vec, Py_ssize_t k, Py_ssize_t c,
                               int32_t b, double *seen) {
    *seen = vec[2 * k + c];
    if (!m->doc) return vec[c];
    double p = vec[k + c];
    if (m->doc_total) p = (1 - m->doc_weight) * p + m->doc_weight * m->doc[b] / m->doc_total;
    return log(p);
}

/* The third code point of a context's key in the trigram table (arrays.CONTEXT_KEY). */
#define TRI_CONTEXT 0x1FFFFF

static inline uint64_t triple_key(int32_t a, int32_t b, int32_t c) {
    return ((uint64_t)a << 42) | ((uint64_t)b << 21) | (uint64_t)c;
}


static double tri_get(const Table *t, TriMemo *memo, uint64_t key, double dflt) {
    if (!memo) return table_get(t, key, dflt);
    uint64_t stored = key + 1;
    TriMemo *e = &memo[(stored * MULT) >> (64 - TRI_MEMO_BITS)];
    if (e->key != stored) {
        e->key = stored;
        e->value = table_get(t, key, NAN);
    }
    return isnan(e->value) ? dflt : e->value;
}

/* log P3(c | a b) / P2(c | b) (lossy._tri_ratio): 0 where the context is unknown;
 * `rest` is the context's back-off weight when already looked up (NAN: not yet). */
static inline double tri_ratio(const Table *t, TriMemo *memo, int32_t a, int32_t b, int32_t c,
                               double lp2, double rest) {
    if (a < 0 || b < 0 || c < 0 || !isfinite(lp2)) return 0.0;
    if (isnan(rest)) rest = tri_get(t, memo, triple_key(a, b, TRI_CONTEXT), -1.0);
    if (rest < 0) return 0.0;
    double p3 = tri_get(t, memo, triple_key(a, b, c), 0.0);
    return p3 ? log(p3 / exp(lp2) + rest) : log(rest);  /* the same value, one exp less */
}

/* How often the document shows the pair (a, b) intact (pair_p's `seen`). */
static inline double intact_seen(const Model *md, int32_t a, int32_t b) {
    if (!md->intact_left || md->intact_left[a] <= 0) return 0.0;
    return counter_get(md->intact, pair_key(a, b));
}

/* log P and intact count of each of slot r's readings next to a fixed neighbour `x` (side
 * 0: x before the reading, 1: after it), from round one's side vectors and transitions where
 * they hold it, in lp[] and seen[]. */
static void side_lp(const Slots *s, const Model *md, const Round1Caches *rc, Py_ssize_t r,
                    int side, int32_t x, const int32_t *choice, double *lp, double *seen) {
    Py_ssize_t k = s->k;
    const int32_t *f = s->first + r * k;
    const double *vec = NULL, *row = NULL;
    Py_ssize_t stride = 1;
    if (x >= 0 && x == (side ? rc->right[r] : rc->left[r])) vec = side ? rc->rvec[r] : rc->lvec[r];
    if (!vec && x >= 0 && !md->doc) {
        if (!side && r > 0 && s->end[r - 1] == s->start[r] && rc->link_of[r])
            row = rc->link_of[r] + choice[r - 1] * k;  /* x is slot r - 1's reading */
        if (side && r + 1 < s->m && s->end[r] == s->start[r + 1] && rc->link_of[r + 1]) {
            row = rc->link_of[r + 1] + choice[r + 1];  /* x is slot r + 1's reading */
            stride = k;
        }
    }
    for (Py_ssize_t c = 0; c < k; c++) {
        lp[c] = seen[c] = 0.0;
        if (f[c] < 0 || x < 0) continue;
        int32_t a = side ? last_of(s, r, c) : x, b = side ? x : f[c];
        if (vec) lp[c] = mixed_log(md, vec, k, c, b, &seen[c]);
        else if (row) { lp[c] = row[c * stride]; seen[c] = intact_seen(md, a, b); }
        else lp[c] = logp(md, a, b, &seen[c]);
    }
}

static void round2_run(void *arg) {
    Round2 *j = arg;
    const Slots *s = j->h.s;
    const Model *md = &j->h.md;
    const Round2Params *p = j->p;
    const int32_t *emit = j->emit;
    int32_t *choice = j->choice, *final = j->final, *out = j->out, *pos = j->pos;
    double *conf = j->conf, *score = j->h.score;
    Py_ssize_t k = s->k, n_out = j->n_out;
    /* NULL (out of memory) only makes the trigram probes slower. */
    TriMemo *memo = j->tri_memo;
    double lp_left[MAX_K], lp_right[MAX_K];  /* each reading's bigram scores (decide checks k) */
    for (Py_ssize_t q = j->lo; q < j->hi; q++) {
        if (conf[q] >= p->sure) continue;
        Py_ssize_t at = pos[q];
        int32_t cur_len = 1;
        if (s->multi[q] && s->keeps[q * k + choice[q]]) cur_len += s->end[q] - s->tail_start[q];
        int32_t win[2 * CONTEXT + 1];
        for (int o = 0; o < CONTEXT; o++) {
            Py_ssize_t p = at - CONTEXT + o;
            win[o] = p >= 0 ? out[p] : -1;
        }
        int32_t right_win[CONTEXT];
        for (int o = 0; o < CONTEXT; o++) {
            Py_ssize_t p = at + cur_len + o;
            right_win[o] = p < n_out ? out[p] : -1;
        }
        int32_t l1 = win[CONTEXT - 1], r1 = right_win[0];
        /* Trigrams (lossy._tri_ratio): the context before the slot and the pair after it
         * are the same for every reading. */
        int trigrams = p->tri_weight && md->tri.slots;
        int32_t l2 = win[CONTEXT - 2], r2 = right_win[1];
        double before = NAN, outer = -INFINITY;
        if (trigrams) {
            if (l2 >= 0 && l1 >= 0) before = tri_get(&md->tri, memo, triple_key(l2, l1, TRI_CONTEXT), -1.0);
            if (r1 >= 0 && r2 >= 0) outer = logp(md, r1, r2, NULL);
        }
        /* Each reading's bigram with its neighbours, from round one's side vectors or
         * transitions where they hold it (a neighbour that is a slot's reading). */
        double seen_left[MAX_K], seen_right[MAX_K];
        side_lp(s, md, &j->rc, q, 0, l1, choice, lp_left, seen_left);
        side_lp(s, md, &j->rc, q, 1, r1, choice, lp_right, seen_right);
        int in_frame = 0, frame_is_open = 0, frame_closes = 0;
        if (p->frames) {
            for (Py_ssize_t c = 0; c < k; c++)
                in_frame += s->first[q * k + c] >= 0 && frame_index(s->first[q * k + c]) >= 0;
            if (in_frame >= 2) {
                frame_is_open = frame_open(out, at);
                frame_closes = p->closer_bonus != 0 &&
                               closes_frame(out, at + cur_len, n_out, p->closers, p->n_closers);
            }
        }
        double top = NEG;
        for (Py_ssize_t c = 0; c < k; c++) {
            int32_t f = s->first[q * k + c];
            if (f < 0) { score[c] = NEG; continue; }
            double v = base_of(s, md, q, c), seen_l = seen_left[c], seen_r = seen_right[c];
            v += lp_left[c];
            v += lp_right[c];
            v += bracket(f, out, at, p->b_open, p->b_not);
            if (in_frame >= 2 && frame_index(f) >= 0) {  /* one term, as lossy.frame_bonus */
                double closer = frame_closes && frame_index(f) == 0 ? p->closer_bonus : 0.0;
                v += closer + p->frame_bonus[2 * frame_index(f) + (frame_is_open ? 0 : 1)];
            }
            if (md->intact_left && p->intact_weight) v += p->intact_weight * (lg1p(seen_l) + lg1p(seen_r));
            score[c] = v;
            if (v > top) top = v;
        }
        if (trigrams) {
            /* Like the word bonus, only for readings near the best (most are far below). */
            double bar = top - p->margin;
            for (Py_ssize_t c = 0; c < k; c++) {
                if (!isfinite(score[c]) || !(score[c] > bar)) continue;
                int32_t f = s->first[q * k + c], la = last_of(s, q, c);
                double t = tri_ratio(&md->tri, memo, l2, l1, f, lp_left[c], before);
                if (!(s->multi[q] && s->keeps[q * k + c])) t += tri_ratio(&md->tri, memo, l1, f, r1, lp_right[c], NAN);
                t += tri_ratio(&md->tri, memo, la, r1, r2, outer, NAN);
                score[c] += p->tri_weight * t;
            }
            top = NEG;  /* the best may have lost ground: the word bonus's bar is re-measured */
            for (Py_ssize_t c = 0; c < k; c++)
                if (score[c] > top) top = score[c];
        }
        WordSides sides;
        int sides_for = -1;  /* the reading whose window `sides` was measured on (-2: any) */
        for (Py_ssize_t c = 0; c < k; c++) {
            if (!isfinite(score[c]) || !(score[c] > top - p->margin)) continue;
            win[CONTEXT] = s->first[q * k + c];
            int o = CONTEXT + 1, tail = s->multi[q] && s->keeps[q * k + c];
            if (tail)
                for (Py_ssize_t p = s->tail_start[q]; p < s->end[q] && o < 2 * CONTEXT + 1; p++) win[o++] = s->cps[p];
            for (int x = 0; o < 2 * CONTEXT + 1; x++) win[o++] = right_win[x];
            /* A reading with a tail shifts the right side: its sides are its own. */
            if (tail || sides_for != -2) {
                word_sides(md, win, &sides);
                sides_for = tail ? (int)c : -2;
            }
            score[c] += p->word_weight * word_bonus(md, win, &sides, -1);
            if (tail) sides_for = -1;
        }
        Py_ssize_t was = choice[q];
        choice[q] = (int32_t)argmax(score, k);
        conf[q] = posterior(score, k, choice[q]);
        if (choice[q] != was) {
            int multi_moved = s->multi[q] && (s->keeps[q * k + was] != s->keeps[q * k + choice[q]]);
            if (multi_moved) n_out = assemble(s, emit, choice, final, out, pos);
            else out[at] = final[s->start[q]] = s->first[q * k + choice[q]];
        }
    }
    j->n_out = n_out;  /* out, pos and final now hold what assemble would give them */
}

/* The indices of the `keep` best finite scores (ties: the lower index first) within `gap` of
 * the best, and `current`, ascending; returns how many. */
static Py_ssize_t pair_best(const double *outer, Py_ssize_t k, Py_ssize_t keep, double gap,
                            Py_ssize_t current, Py_ssize_t *idx) {
    double top = NEG;
    for (Py_ssize_t c = 0; c < k; c++)
        if (outer[c] > top) top = outer[c];
    if (!isfinite(top)) return 0;
    double bar = top - gap;
    Py_ssize_t n = 0, with_current = 0;
    for (Py_ssize_t c = 0; c < k; c++)
        if (outer[c] > bar) idx[n++] = c;
    if (n > keep) {  /* rare: keep the best (ties: the lower index), in ascending order */
        uint8_t taken[MAX_K] = {0};
        for (Py_ssize_t t = 0; t < keep; t++) {
            Py_ssize_t b = -1;
            for (Py_ssize_t x = 0; x < n; x++)
                if (!taken[x] && (b < 0 || outer[idx[x]] > outer[idx[b]])) b = x;
            if (b < 0) break;
            taken[b] = 1;
        }
        Py_ssize_t m = 0;
        for (Py_ssize_t x = 0; x < n; x++)
            if (taken[x]) idx[m++] = idx[x];
        n = m;
    }
    for (Py_ssize_t x = 0; x < n; x++) with_current |= idx[x] == current;
    if (!with_current && isfinite(outer[current])) {
        Py_ssize_t at = n++;
        while (at > 0 && idx[at - 1] > current) { idx[at] = idx[at - 1]; at--; }
        idx[at] = current;
    }
    return n;
}

/* Round three (lossy._move_pair): adjacent single-character slots decided two at a time,
 * left to right, over the best `keep` readings of each by what lies outside the pair (plus
 * the current one); a pair changes only when the best scores `pair_margin` above it.
 * Returns nonzero when memory ran out. */
static int pair_round(const Slots *s, const Model *md, const Round2Params *p, const Round1Caches *rc,
                      TriMemo *memo, int32_t *choice, double *conf, int32_t *out, Py_ssize_t n_out,
                      const int32_t *pos, Py_ssize_t keep, double pair_margin) {
    Py_ssize_t k = s->k, m = s->m;
    double outer_q[MAX_K], outer_r[MAX_K], left_lp[MAX_K], right_lp[MAX_K], seen_q[MAX_K], seen_r[MAX_K];
    Py_ssize_t cq[MAX_K + 1], cr[MAX_K + 1];
    double *total = malloc(sizeof(double) * (MAX_K + 1) * (MAX_K + 1));
    double *link = malloc(sizeof(double) * (MAX_K + 1) * (MAX_K + 1));
    uint8_t *scored = malloc((MAX_K + 1) * (MAX_K + 1));
    if (!total || !link || !scored) { free(total); free(link); free(scored); return 1; }
    double weight = md->intact_left && p->intact_weight ? p->intact_weight : 0.0;
    int trigrams = p->tri_weight && md->tri.slots;
    for (Py_ssize_t q = 0; q + 1 < m; q++) {
        Py_ssize_t r = q + 1;
        if (s->end[q] != s->start[r] || s->multi[q] || s->multi[r]) continue;
        Py_ssize_t pq = pos[q], pr = pos[r];
        int32_t win[2 * CONTEXT + 2];  /* CONTEXT before q, q, r, CONTEXT after r */
        for (int o = 0; o < 2 * CONTEXT + 2; o++) {
            Py_ssize_t at = pq - CONTEXT + o;
            win[o] = at >= 0 && at < n_out ? out[at] : -1;
        }
        int32_t l2 = win[CONTEXT - 2], l1 = win[CONTEXT - 1], r1 = win[CONTEXT + 2], r2 = win[CONTEXT + 3];
        const int32_t *fq = s->first + q * k, *fr = s->first + r * k;
        side_lp(s, md, rc, q, 0, l1, choice, left_lp, seen_q);
        side_lp(s, md, rc, r, 1, r1, choice, right_lp, seen_r);
        for (Py_ssize_t c = 0; c < k; c++) {
            outer_q[c] = fq[c] >= 0 ? s->prior[q * k + c] + left_lp[c] + weight * lg1p(seen_q[c]) : NEG;
            outer_r[c] = fr[c] >= 0 ? s->prior[r * k + c] + right_lp[c] + weight * lg1p(seen_r[c]) : NEG;
        }
        Py_ssize_t na = pair_best(outer_q, k, keep, p->margin, choice[q], cq);
        Py_ssize_t nb = pair_best(outer_r, k, keep, p->margin, choice[r], cr);
        const double *links = md->doc ? NULL : rc->link_of[r];
        Py_ssize_t now = -1;
        double best_lite = NEG;
        for (Py_ssize_t i = 0; i < na; i++)
            for (Py_ssize_t j = 0; j < nb; j++) {
                int32_t a = fq[cq[i]], b = fr[cr[j]];
                double seen;
                Py_ssize_t x = i * nb + j;
                if (links) { link[x] = links[cq[i] * k + cr[j]]; seen = intact_seen(md, a, b); }
                else link[x] = logp(md, a, b, &seen);
                total[x] = outer_q[cq[i]] + outer_r[cr[j]] + link[x] + weight * lg1p(seen);
                if (total[x] > best_lite) best_lite = total[x];
                if (cq[i] == choice[q] && cr[j] == choice[r]) now = x;
            }
        if (now < 0) continue;
        double sum = 0.0;
        for (Py_ssize_t x = 0; x < na * nb; x++) sum += exp(total[x] - total[now]);
        if (1.0 / sum >= p->sure) continue;
        /* Only moves of both characters into a pair that occurs inside some word (what
         * rounds one and two cannot make), near the best like round two's bonuses, get the
         * costlier terms; and the current pair, to compare. */
        double bar = best_lite - p->margin;
        int any = 0;
        for (Py_ssize_t i = 0; i < na; i++)
            for (Py_ssize_t j = 0; j < nb; j++) {
                Py_ssize_t x = i * nb + j;
                scored[x] = cq[i] != choice[q] && cr[j] != choice[r] && total[x] > bar &&
                            in_word(md, fq[cq[i]], fr[cr[j]]);
                any |= scored[x];
            }
        if (!any) continue;
        scored[now] = total[now] > bar;
        double outer = trigrams && r1 >= 0 && r2 >= 0 ? logp(md, r1, r2, NULL) : NEG;
        /* The word windows: q's centre with d after it, r's centre with c before it. A
         * window's sides (the words clear of its centre) depend on the other slot only. */
        WordSides q_sides[MAX_K + 1], r_sides[MAX_K + 1];
        uint8_t q_done[MAX_K + 1] = {0}, r_done[MAX_K + 1] = {0};
        for (Py_ssize_t i = 0; i < na; i++) {
            int32_t a = fq[cq[i]];
            for (Py_ssize_t j = 0; j < nb; j++) {
                Py_ssize_t x = i * nb + j;
                if (!scored[x]) continue;
                int32_t b = fr[cr[j]];
                /* Added up in lossy._move_pair's order (the same sums to the last bit). */
                double extra = 0.0;
                if (trigrams) {
                    double t = tri_ratio(&md->tri, memo, l2, l1, a, left_lp[cq[i]], NAN);
                    t += tri_ratio(&md->tri, memo, l1, a, b, link[x], NAN);
                    t += tri_ratio(&md->tri, memo, a, b, r1, right_lp[cr[j]], NAN);
                    t += tri_ratio(&md->tri, memo, b, r1, r2, outer, NAN);
                    extra = p->tri_weight * t;
                }
                win[CONTEXT] = a;
                win[CONTEXT + 1] = b;
                if (!q_done[j]) { word_sides(md, win, &q_sides[j]); q_done[j] = 1; }
                if (!r_done[i]) { word_sides(md, win + 1, &r_sides[i]); r_done[i] = 1; }
                /* The pair alone is not a word here (its bigram scores it already: 揶揄, two
                 * rare characters that only occur together, outbid 架构); a word through both
                 * centres and beyond counts once. */
                double bonus = word_bonus(md, win, &q_sides[j], CONTEXT);
                bonus += word_bonus(md, win + 1, &r_sides[i], CONTEXT - 1);
                total[x] += extra + p->word_weight * 0.5 * bonus;
            }
        }
        Py_ssize_t top = 0;
        for (Py_ssize_t x = 1; x < na * nb; x++)
            if (total[x] > total[top]) top = x;
        if (!(total[top] >= total[now] + pair_margin)) continue;
        double all = 0.0, mq = 0.0, mr = 0.0;
        Py_ssize_t ti = top / nb, tj = top % nb;
        for (Py_ssize_t x = 0; x < na * nb; x++) {
            double w = exp(total[x] - total[top]);
            all += w;
            if (x / nb == ti) mq += w;
            if (x % nb == tj) mr += w;
        }
        choice[q] = (int32_t)cq[ti];
        choice[r] = (int32_t)cr[tj];
        conf[q] = rint(mq / all * 1e4) / 1e4;
        conf[r] = rint(mr / all * 1e4) / 1e4;
        out[pq] = fq[cq[ti]];
        out[pr] = fr[cr[tj]];
    }
    free(total);
    free(link);
    free(scored);
    return 0;
}

/* Where a second worker may start round two: at a doubtful slot that sees none of the
 * doubtful slots before it (its context window and its bracket line end before them, or a
 * newline lies between), so splitting there decides exactly what one worker would. Returns
 * m when there is no such slot near the middle. */
static Py_ssize_t round2_split(const Slots *s, const double *conf, double sure,
                               const int32_t *out, Py_ssize_t n_out, const int32_t *pos) {
    Py_ssize_t m = s->m;
    for (Py_ssize_t step = 0; step < m / 4; step++) {
        for (int side = 0; side < 2; side++) {
            Py_ssize_t b = side ? m / 2 + step : m / 2 - step;
            if (b <= 0 || b >= m || conf[b] >= sure) continue;
            Py_ssize_t a = b - 1;
            while (a >= 0 && conf[a] >= sure) a--;
            if (a < 0) continue;
            Py_ssize_t a_end = pos[a] + 1;  /* the longest reading of slot a ends here */
            if (s->multi[a]) a_end += s->end[a] - s->tail_start[a];
            Py_ssize_t b_at = pos[b];
            if (b_at - CONTEXT <= a_end + 1) continue;
            if (b_at - LINE > a_end + 1) return b;
            for (Py_ssize_t q = a_end + 1; q < b_at && q < n_out; q++)
                if (out[q] == '\n') return b;
        }
    }
    return m;
}

/* The second worker's memo comes from a small pool (a thread of its own per call would
 * otherwise allocate and clear one every time). */
typedef struct {
    struct Memo *memo;
    uint64_t gen;
} PooledMemo;

#ifndef _WIN32
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
#endif
static PooledMemo pool[4];

static struct Memo *memo_take(uint64_t *gen) {
    struct Memo *m = NULL;
#ifndef _WIN32
    pthread_mutex_lock(&pool_lock);
#endif
    for (int q = 0; q < 4 && !m; q++)
        if (pool[q].memo && pool[q].gen + 1 < GEN_MAX) {
            m = pool[q].memo;
            *gen = ++pool[q].gen;
            pool[q].memo = NULL;
        }
#ifndef _WIN32
    pthread_mutex_unlock(&pool_lock);
#endif
    if (!m) {
        m = calloc((size_t)1 << MEMO_BITS, sizeof(struct Memo));
        *gen = 1;
    }
    return m;
}

static void memo_give(struct Memo *m, uint64_t gen) {
#ifndef _WIN32
    pthread_mutex_lock(&pool_lock);
#endif
    for (int q = 0; q < 4 && m; q++)
        if (!pool[q].memo) {
            pool[q].memo = m;
            pool[q].gen = gen;
            m = NULL;
        }
#ifndef _WIN32
    pthread_mutex_unlock(&pool_lock);
#endif
    free(m);
}

typedef struct {
    void (*fn)(void *);
    void *job;
} ThreadJob;

static void *thread_main(void *arg) {
    ThreadJob *t = arg;
    t->fn(t->job);
    return NULL;
}

/* Run jobs[0] here and, when `two`, jobs[1] in a second thread, each with a memo and scratch
 * of its own (jobs[0] keeps this thread's memo). Returns nonzero when memory ran out. */
static int run_pair(void (*fn)(void *), void *jobs, size_t size, int two) {
    JobHead *head[2] = {(JobHead *)jobs, (JobHead *)((char *)jobs + size)};
    int err = 0;
    for (int w = 0; w < 1 + two; w++) {
        head[w]->score = malloc(sizeof(double) * (head[w]->s->k + 1));
        if (w == 1) head[w]->md.memo = memo_take(&head[w]->md.gen);
        if (!head[w]->score || !head[w]->md.memo) err = 1;
    }
    if (!err) {
        int started = 0;
#ifndef _WIN32
        pthread_t thread;
        ThreadJob tj = {fn, head[1]};
        if (two) started = pthread_create(&thread, NULL, thread_main, &tj) == 0;
#endif
        fn(head[0]);
        if (started) {
#ifndef _WIN32
            pthread_join(thread, NULL);
#endif
        } else if (two) {
            fn(head[1]);
        }
    }
    for (int w = 0; w < 1 + two; w++) {
        free(head[w]->score);
        if (w == 1 && head[w]->md.memo) memo_give(head[w]->md.memo, head[w]->md.gen);
    }
    return err;
}

/* decide(cps, emit, start, end, tail_start, multi, first, prior, keeps, pid, k, model,
 *        params, choice, conf, final) -> str (the repaired text)
 * pid: int32 per slot, equal for slots whose readings (first, prior, keeps, and the
 *      characters a reading keeps) are equal, -1 for a slot whose readings are never shared;
 *      slots whose pid >> 1 is equal have readings that agree as far as the shorter list goes
 * model: (uni, start, weight, in_table, clause_end, openers, closers, bigram_row, bigram_col,
 *         bigram_val, words, inner_row, inner_col, trigrams)
 * params: (document_prior, cache_weight, doc_weight, opener_before_end, intact_weight,
 *          word_weight, bonus_margin, sure, bracket_open, bracket_not_open, threads,
 *          frames, (frame bonuses of 与, 不, 中: open, not open), trigram_weight,
 *          pair_keep, pair_margin, closer_bonus, closers (str: pairs of characters, at most
 *          MAX_CLOSERS), context, line); context and line must equal CONTEXT and
 *          LINE (types.CONTEXT / types.LINE in Python): a mismatch raises ValueError */
static void release_buffers(Py_buffer *const *bufs, int n) {
    for (int i = 0; i < n; i++) PyBuffer_Release(bufs[i]);
}

static PyObject *decide(PyObject *self, PyObject *args) {
    Py_buffer cps_b, emit_b, st_b, en_b, ts_b, mu_b, fi_b, pr_b, ke_b, pid_b, ch_b, co_b, fin_b;
    Py_ssize_t k;
    PyObject *model_t, *params, *doc_t = Py_None;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*y*nO!O!w*w*w*|O", &cps_b, &emit_b, &st_b,
                          &en_b, &ts_b, &mu_b, &fi_b, &pr_b, &ke_b, &pid_b, &k, &PyTuple_Type,
                          &model_t, &PyTuple_Type, &params, &ch_b, &co_b, &fin_b, &doc_t))
        return NULL;
    /* doc: None (count the document's ASCII and intact pairs here), or the whole
     * document's counts when this text is one chunk of it (repair/stream.py), built once
     * per document: (ascii int64[128], known, the intact pairs as a Counter table with
     * generation 1 (uint64[2 << bits]), bits, their left characters' totals
     * int32[0x110000]). */
    Py_buffer da_b = {0}, dk_b = {0}, dc_b = {0};
    Py_ssize_t doc_known = 0;
    int doc_bits = 0;
    int have_doc = doc_t != Py_None;
    /* Released on every way out (release_buffers). */
    Py_buffer *const arg_bufs[] = {&cps_b, &emit_b, &st_b, &en_b, &ts_b, &mu_b, &fi_b,
                                   &pr_b, &ke_b, &pid_b, &ch_b, &co_b, &fin_b};
    Py_buffer *const doc_bufs[] = {&da_b, &dk_b, &dc_b};
    const int n_args = (int)(sizeof arg_bufs / sizeof arg_bufs[0]);
    if (have_doc && !PyArg_ParseTuple(doc_t, "y*ny*iy*", &da_b, &doc_known, &dk_b, &doc_bits, &dc_b)) {
        release_buffers(arg_bufs, n_args);
        return NULL;
    }
    const int64_t *doc_ascii = da_b.buf;
    /* No bloom bitmap: counter_get then probes the table for every pair. */
    Counter doc_table = {.slots = dk_b.buf, .bloom = NULL, .bits = doc_bits, .cap_bits = doc_bits,
                         .mask = ((uint64_t)1 << doc_bits) - 1, .gen = 1};
    if (have_doc && (doc_bits < 1 || doc_bits > 40 || dk_b.len != (Py_ssize_t)(16ULL << doc_bits) ||
                     dc_b.len != (Py_ssize_t)(4 * UNICODE_SIZE))) {
        PyErr_SetString(PyExc_ValueError, "decide: doc table of the wrong size");
        release_buffers(doc_bufs, 3);
        release_buffers(arg_bufs, n_args);
        return NULL;
    }
    int document_prior;
    double cache_weight, doc_weight, opener_before_end, intact_weight, word_weight, margin, sure,
        b_open, b_not;
    Py_buffer mb[12], tb[4];
    PyObject *repaired = NULL;
    int nb = 0, ntb = 0, ok = 1;
    Model md;
    memset(&md, 0, sizeof md);
    int threads = 1, frames = 0;
    double fb[6], tri_weight, pair_margin, closer_bonus;
    Py_ssize_t pair_keep, context, line, n_closers = 0;
    PyObject *closer_text;
    int32_t closers[2 * MAX_CLOSERS];
    if (!PyArg_ParseTuple(params, "pdddddddddip(dddddd)dnddUnn", &document_prior, &cache_weight,
                          &doc_weight, &opener_before_end, &intact_weight, &word_weight, &margin,
                          &sure, &b_open, &b_not, &threads, &frames, &fb[0], &fb[1], &fb[2],
                          &fb[3], &fb[4], &fb[5], &tri_weight, &pair_keep, &pair_margin,
                          &closer_bonus, &closer_text, &context, &line)) {
        ok = 0;
        goto release_args;
    }
    {
        Py_ssize_t len = PyUnicode_GET_LENGTH(closer_text);
        if (len % 2 || len > 2 * MAX_CLOSERS) {
            PyErr_Format(PyExc_ValueError, "decide: closers must be at most %d pairs of "
                         "characters, got %zd characters", MAX_CLOSERS, len);
            ok = 0;
            goto release_args;
        }
        for (Py_ssize_t i = 0; i < len; i++)
            closers[i] = (int32_t)PyUnicode_READ_CHAR(closer_text, i);
        n_closers = len / 2;
    }
    if (context != CONTEXT || line != LINE) {
        PyErr_Format(PyExc_ValueError,
                     "decide: the kernel was built with CONTEXT=%d, LINE=%d but was passed "
                     "%zd, %zd: rebuild it (pip install -e .)", CONTEXT, LINE, context, line);
        ok = 0;
        goto release_args;
    }
    const void **dst[12] = {(const void **)&md.uni, (const void **)&md.start,
                            (const void **)&md.weight, (const void **)&md.in_table,
                            (const void **)&md.clause_end, (const void **)&md.openers,
                            (const void **)&md.closers, (const void **)&md.bi_row,
                            (const void **)&md.bi_col, (const void **)&md.bi_val,
                            (const void **)&md.in_row, (const void **)&md.in_col};
    for (nb = 0; nb < 12; nb++) {
        PyObject *o = PyTuple_GetItem(model_t, nb < 10 ? nb : nb + 1);
        if (!o || PyObject_GetBuffer(o, &mb[nb], PyBUF_C_CONTIGUOUS) < 0) { ok = 0; goto release; }
        *dst[nb] = mb[nb].buf;
    }
    {
        /* The per-character arrays share one length (top + 1; at least ASCII), the CSR row
         * arrays have one more entry: anything else would be read out of bounds. */
        Py_ssize_t top = mb[0].len / 8 - 1;
        int bad = top < 0x80 || top >= UNICODE_SIZE;
        for (int q = 0; q < 7; q++) bad |= mb[q].len / (q < 3 ? 8 : 1) != top + 1;
        bad |= mb[7].len / 4 != top + 2 || mb[10].len / 4 != top + 2;
        if (bad) {
            PyErr_SetString(PyExc_ValueError, "decide: model arrays of inconsistent lengths");
            ok = 0;
            goto release;
        }
        md.top = (int32_t)top;
    }
    Table *tables[2] = {&md.words, &md.tri};
    for (int q = 0; q < 2; q++) {
        PyObject *o = PyTuple_GetItem(model_t, q ? 13 : 10);
        if (!o) { ok = 0; goto release; }
        if (o == Py_None) { tables[q]->slots = NULL; continue; }
        int got = 0;
        if (!get_table(o, tables[q], &tb[ntb], &got)) {
            ntb += got;
            ok = 0;
            goto release;
        }
        ntb += got;
    }
    md.opener_before_end = opener_before_end;

    Slots s;
    s.m = st_b.len / 4;
    s.k = k;
    s.n = cps_b.len / 4;
    s.start = st_b.buf; s.end = en_b.buf; s.tail_start = ts_b.buf; s.multi = mu_b.buf;
    s.first = fi_b.buf; s.prior = pr_b.buf; s.keeps = ke_b.buf; s.pid = pid_b.buf; s.cps = cps_b.buf;
    if (k < 1 || k > MAX_K) {
        PyErr_SetString(PyExc_ValueError, "decide: k must be 1 to 64");
        ok = 0;
        goto release;
    }
    if (pid_b.len != st_b.len) {
        PyErr_SetString(PyExc_ValueError, "decide: pid and start differ in length");
        ok = 0;
        goto release;
    }
    const int32_t *emit = emit_b.buf;
    int32_t *choice = ch_b.buf, *final = fin_b.buf;
    double *conf = co_b.buf;
    Py_ssize_t m = s.m, n = s.n;
    int failed = 0;
    int32_t *out = NULL;  /* the repaired text, as code points */
    Py_ssize_t n_final = 0;

    Py_BEGIN_ALLOW_THREADS
    /* Round one's Viterbi rows: one group's worth per worker (the longest group). */
    Py_ssize_t longest = m ? 1 : 0;
    for (Py_ssize_t r = 1, run = 1; r < m; r++) {
        run = s.end[r - 1] == s.start[r] ? run + 1 : 1;
        if (run > longest) longest = run;
    }
    double *vit = malloc(sizeof(double) * (2 * longest * k + 1));
    const double **link_of = malloc(sizeof(double *) * (m + 1));
    uint64_t *intact_keys = malloc(sizeof(uint64_t) * (n + 1));
    Py_ssize_t n_intact = 0;
    const double **lvec = malloc(sizeof(double *) * (m + 1)), **rvec = malloc(sizeof(double *) * (m + 1));
    Caches *caches[2] = {NULL, NULL};  /* round one's, read again in round two */
    int32_t *back = malloc(sizeof(int32_t) * (2 * longest * k + 1));
    int32_t *left = malloc(sizeof(int32_t) * (m + 1)), *right = malloc(sizeof(int32_t) * (m + 1));
    int32_t *nv = malloc(sizeof(int32_t) * (m + 1));
    out = malloc(sizeof(int32_t) * (n + 1));
    int32_t *pos = malloc(sizeof(int32_t) * (m + 1));
    int32_t *intact_left = NULL, *doc = NULL;
    Py_ssize_t n_out = 0;
    Counter *intact = NULL;
    md.memo = memo_open(&md.gen);
    if (!vit || !link_of || !intact_keys || !lvec || !rvec || !back || !left || !right || !nv || !out || !pos || !md.memo) {
        failed = 1;
        goto done;
    }

    TICK_START;
    /* One pass: what survived intact (ASCII priors), and the context of each slot (the
     * nearest intact character on each side). */
    /* One pass: ASCII counts (their priors), the context of each slot (the nearest
     * intact character on each side), and the pairs of wide characters a damaged
     * character does not break (listed, then counted in a table sized for them). */
    Py_ssize_t known = 0, pairs = 0;
    int64_t ascii_n[128] = {0};
    {
        /* The stretches between slot starts (a pair never spans a slot), then each slot's
         * nearest intact characters: nothing inside a slot is intact, so a search that
         * reaches the slot before (after) takes that slot's answer, and each stretch is
         * read once more at most. */
        int32_t prev = -1;
        Py_ssize_t i = 0;
        for (Py_ssize_t r = 0; r <= m; r++) {
            Py_ssize_t stop = r < m ? s.start[r] : n;
            for (; i < stop; i++) {
                int32_t c = emit[i];
                if (c < 0) continue;
                known++;
                if (c < 128) ascii_n[c]++;
                else if (prev >= 0x80) intact_keys[pairs++] = pair_key(prev, c);
                prev = c;
            }
            prev = -1;
        }
        for (Py_ssize_t r = 0; r < m; r++) {
            Py_ssize_t q = s.start[r] - 1, floor = r ? s.end[r - 1] : 0;
            while (q >= floor && emit[q] < 0) q--;
            left[r] = q >= floor ? emit[q] : r ? left[r - 1] : -1;
        }
        for (Py_ssize_t r = m - 1; r >= 0; r--) {
            Py_ssize_t q = s.end[r], ceil = r + 1 < m ? s.start[r + 1] : n;
            while (q < ceil && emit[q] < 0) q++;
            right[r] = q < ceil ? emit[q] : r + 1 < m ? right[r + 1] : -1;
        }
    }
    if (have_doc) {
        memcpy(ascii_n, doc_ascii, sizeof ascii_n);
        known = doc_known;
    }
    for (int c = 0; c < 128; c++)
        md.ascii_p[c] = ascii_n[c] ? (double)ascii_n[c] / (double)(known ? known : 1) : 1e-8;
    TICK("context");
    if (document_prior && have_doc) {  /* the whole document's pairs, counted once */
        md.intact = &doc_table;
        md.intact_left = dc_b.buf;
    } else if (document_prior) {
        intact = counter_open(pairs);
        if (!intact) { failed = 1; goto done; }
        intact_left = per_char(0);
        if (!intact_left) { failed = 1; goto done; }
        for (Py_ssize_t q = 0; q < pairs; q++) {
            /* The table is megabytes for a long document: ask for a later key's line now,
             * so the misses overlap. */
            if (q + 16 < pairs) counter_prefetch(intact, intact_keys[q + 16]);
            counter_add(intact, intact_keys[q]);
            intact_left[intact_keys[q] >> 21] += 1;
        }
        n_intact = pairs;
        if (pairs) {
            md.intact = intact;
            md.intact_left = intact_left;
        }
    }
    md.cache_weight = cache_weight;
    TICK("intact");
    /* Round one: each slot alone, or a Viterbi search over a group of adjacent slots. */
    {
        Round1 jobs[2];
        Py_ssize_t split = m;
        if (threads > 1 && m >= PARALLEL_MIN) {
            split = m / 2;  /* at a group boundary: groups are decided independently */
            while (split < m && s.end[split - 1] == s.start[split]) split++;
        }
        int err = 0;
        for (int w = 0; w < 2; w++) {
            jobs[w] = (Round1){{&s, md, NULL}, nv, left, right, vit + w * longest * k,
                               back + w * longest * k, choice, conf,
                               w ? split : 0, w ? m : split, NULL, link_of, lvec, rvec};
            if (w && split == m) continue;
            jobs[w].cache = caches[w] = caches_take(k);
            err |= !jobs[w].cache || !jobs[w].cache->k;
        }
        if (!err) err = run_pair(round1_run, jobs, sizeof(Round1), split < m);
        if (err) { failed = 1; goto done; }
    }

    TICK("round1");
    /* Round two: the document's counts join (unless their weight is 0: then P stays as it
     * is, exactly); doubtful slots re-decided left to right. */
    n_out = assemble(&s, emit, choice, final, out, pos);
    if (document_prior && doc_weight != 0) {
        doc = per_char(1);
        if (!doc) { failed = 1; goto done; }
        for (Py_ssize_t i = 0; i < n_out; i++) doc[out[i]]++;
        md.doc = doc;
        md.doc_total = (double)n_out;
        md.doc_weight = doc_weight;
    }
    TICK("doc");
    {
        Round2Params p2 = {intact_weight, word_weight, margin, sure, b_open, b_not, tri_weight, frames,
                           {fb[0], fb[1], fb[2], fb[3], fb[4], fb[5]}, closer_bonus, closers,
                           n_closers};
        /* Doubtful slots are re-decided left to right; a second worker takes the later
         * half from a point no later slot can see past (see round2_split). */
        Round2 jobs[2];
        Py_ssize_t split = m;
        int32_t *out2 = NULL, *pos2 = NULL, *final2 = NULL, *choice2 = NULL;
        if (threads > 1 && m >= PARALLEL_MIN) {
            split = round2_split(&s, conf, sure, out, n_out, pos);
            if (split < m) {
                out2 = malloc(sizeof(int32_t) * (n + 1));
                pos2 = malloc(sizeof(int32_t) * (m + 1));
                final2 = malloc(sizeof(int32_t) * (n + 1));
                choice2 = malloc(sizeof(int32_t) * (m + 1));
                if (!out2 || !pos2 || !final2 || !choice2) {
                    split = m;
                } else {
                    /* The second worker reads and writes its own copy of the readings too:
                     * neither worker ever reads what the other is writing. */
                    memcpy(out2, out, sizeof(int32_t) * n_out);
                    memcpy(pos2, pos, sizeof(int32_t) * m);
                    memcpy(choice2, choice, sizeof(int32_t) * m);
                }
            }
        }
        for (int w = 0; w < 2; w++) {
            jobs[w] = (Round2){{&s, md, NULL}, &p2, emit, w ? choice2 : choice, conf, w ? final2 : final,
                               w ? out2 : out, w ? pos2 : pos, n_out, w ? split : 0,
                               w ? m : split, {left, right, (const double *const *)lvec,
                               (const double *const *)rvec, (const double *const *)link_of}, NULL};
            if (w && split == m) continue;
            /* An in_word memo per worker, emptied for this call (the model may differ); a
             * failed allocation only makes the look-ups slower. */
            if (!caches[w]) caches[w] = caches_take(k);
            if (caches[w] && !caches[w]->inword)
                caches[w]->inword = malloc(sizeof(uint64_t) << INWORD_BITS);
            if (caches[w] && caches[w]->inword) {
                memset(caches[w]->inword, 0, sizeof(uint64_t) << INWORD_BITS);
                jobs[w].h.md.inword = caches[w]->inword;
            }
            if (!p2.tri_weight || !md.tri.slots) continue;
            /* A trigram memo per worker, from its pooled caches, emptied for this call (a
             * failed allocation only makes the probes slower). */
            if (!caches[w]) caches[w] = caches_take(k);
            if (caches[w] && !caches[w]->tri)
                caches[w]->tri = malloc(sizeof(TriMemo) << TRI_MEMO_BITS);
            if (caches[w] && caches[w]->tri) {
                memset(caches[w]->tri, 0, sizeof(TriMemo) << TRI_MEMO_BITS);
                jobs[w].tri_memo = caches[w]->tri;
            }
        }
        int err = run_pair(round2_run, jobs, sizeof(Round2), split < m);
        if (split < m && !err) memcpy(choice + split, choice2 + split, sizeof(int32_t) * (m - split));
        free(out2); free(pos2); free(final2); free(choice2);
        if (err) { failed = 1; goto done; }
        /* One worker kept out, pos and final up to date; two wrote separate copies. */
        n_final = split < m ? assemble(&s, emit, choice, final, out, pos) : jobs[0].n_out;
    }
    TICK("round2");
    TICK("final");
    {
        /* Round three leaves the frames' closer to round two (its pairs read no frame). */
        Round2Params p3 = {intact_weight, word_weight, margin, sure, b_open, b_not, tri_weight, frames,
                           {fb[0], fb[1], fb[2], fb[3], fb[4], fb[5]}, 0.0, NULL, 0};
        Round1Caches rc = {left, right, (const double *const *)lvec, (const double *const *)rvec,
                           (const double *const *)link_of};
        TriMemo *memo = caches[0] ? caches[0]->tri : NULL;
        md.inword = caches[0] ? caches[0]->inword : NULL;  /* round two's answers hold */
        if (pair_round(&s, &md, &p3, &rc, memo, choice, conf, out, n_final, pos, pair_keep, pair_margin)) {
            failed = 1;
            goto done;
        }
    }
    TICK("round3");

done:
    free(vit); free((void *)link_of); free((void *)lvec); free((void *)rvec);
    caches_give(caches[0]); caches_give(caches[1]);
    free(back); free(left); free(right); free(nv); free(pos);
    /* Give the per-character counters back zeroed: clear only what was counted. */
    /* (the intact pairs' left characters; the document's counts: every intact character
     * and every reading a slot has) */
    if (intact_left)
        for (Py_ssize_t q = 0; q < n_intact; q++) intact_left[intact_keys[q] >> 21] = 0;
    free(intact_keys);
    if (doc)
        for (Py_ssize_t i = 0; i < n; i++)
            if (emit[i] >= 0) doc[emit[i]] = 0;
    if (doc)
        for (Py_ssize_t r = 0; r < m; r++) {
            for (Py_ssize_t c = 0; c < k; c++)
                if (s.first[r * k + c] >= 0) doc[s.first[r * k + c]] = 0;
            if (s.multi[r])
                for (Py_ssize_t q = s.tail_start[r]; q < s.end[r]; q++) doc[s.cps[q]] = 0;
        }

    Py_END_ALLOW_THREADS
    if (failed) { PyErr_NoMemory(); ok = 0; }
    /* The repaired text itself (str compacts it to the narrowest kind in one pass). */
    if (ok) {
        repaired = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n_final);
        if (!repaired) ok = 0;
    }
    free(out);

release:
    for (int q = 0; q < nb; q++) PyBuffer_Release(&mb[q]);
    for (int q = 0; q < ntb; q++) PyBuffer_Release(&tb[q]);
release_args:
    release_buffers(arg_bufs, n_args);
    if (have_doc) release_buffers(doc_bufs, 3);
    if (!ok) return NULL;
    return repaired;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "Find runs, whole and damaged UTF-8 sequences (see fastpass)."},
    {"decide", decide, METH_VARARGS, "Both rounds of the lossy search (see fastpass)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernel",
                                    "The lossy repair pass, compiled (see lossy.py).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__kernel(void) {
    fill_char_class();
    for (int q = 0; q < LOG1P_TABLE; q++) log1p_table[q] = log1p((double)q);
    return PyModule_Create(&module);
}
