/* Code-page detection (digestkit/repair/lossless.py: choose_codec) compiled: the same counts, in C.
 *
 * lossless.py is the reference: _regex_votes and _regex_evidence count
 * the same things, and the tests check that this module gives the identical CodecChoice and
 * per-code-page counts. Python keeps the tables (built once per tuple of code pages, passed
 * in as buffers) and the decision (_decide: shortlist, scores, confidence); this module runs
 * the loops over the text:
 *
 *   prepare()   one pass over the str: the pair vote of every code page, the text squeezed
 *               to what any code page's runs can use, how often each run character occurs,
 *               and per code page an upper bound of its score (its bytes >= 0x80), so that
 *               _decide can skip re-reading a code page that cannot matter
 *   evidence()  per code page re-read, one pass over the squeezed text: its runs' bytes
 *               decoded as UTF-8 (valid, valid bytes, damaged, junk), plus the
 *               unexplained-losses penalty when anything is damaged
 *
 * Characters are looked up once, in `index` (uint16[0x10000]): bits 0-13 a number for every
 * character some code page's runs contain (0: none; numbers start at FIRST), bit 14 "the
 * image of a lead byte in some code page", bit 15 "of a continuation byte, or a loss mark".
 * Every per-code-page table is indexed by that number, so what a text touches stays in cache.
 *
 * The squeezed text (uint16 numbers, then PAD zeros): a character that no code page's runs
 * contain (plain ASCII, CJK, astral, lone surrogates) only separates runs, so each stretch
 * of them is one 0. Spaces and '?' may join runs (lossless: at most three between or after
 * run characters), yet the counts see such a byte only where a '?' directly follows a lead
 * byte (a damaged sequence whose lost byte became '?'): a space or '?' is ASCII, so it is
 * neither part of a sequence nor junk, whether it sits in a run or separates two. So a '?'
 * right after a run character is kept as QMARK (every code page's table maps it to '?'),
 * every other space or '?' is a separator. Where the character before such a '?' is not in
 * a code page's runs, that page's byte before it is 0, no lead, and the '?' counts nothing
 * either way.
 *
 * Any buffer contents are memory-safe: every table index is masked or bounded.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_CODECS 64
#define TABLE 0x10000 /* entries of every table indexed by character or number */
#define IDX_MASK 0x3FFF
#define LEAD_ANY 0x4000
#define CONT_ANY 0x8000
#define QMARK 0x01 /* a '?' right after a run character */
#define FIRST 0x20 /* the first number of a run character */
#define PAD 4      /* zeros after the squeezed text: the decoder looks up to 3 ahead */

static int check_len(Py_buffer *b, Py_ssize_t want, const char *name) {
    if (b->len != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", name, want, b->len);
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- prepare */

/* One pass over the text, as a function per string kind and mask width (the hot loop:
 * locals only, no branch on whether a character is kept). Returns the squeezed length.
 *
 * After a character in no run, no pair is open and no '?' can follow a run character, so
 * what follows up to the next run character only separates: plain ASCII is skipped eight
 * characters at a time, anything else without a number one at a time.
 *
 * hist: WAYS copies of one 256-entry histogram per byte of the code-page bit mask (a pair
 * costs one increment per 8 code pages); counts: WAYS copies of `size` entries. Increments
 * rotate through the copies so that a repeated value does not wait for the one before. */
#define WAYS 4
#define PREP_FN(NAME, TYPE, ASCII8, HB)                                                       \
    static Py_ssize_t NAME(const void *text, Py_ssize_t n, const uint16_t *index,            \
                           const uint64_t *lead, const uint64_t *cont, uint32_t *hist,       \
                           uint32_t *counts, uint32_t size, uint16_t *out) {                  \
        const TYPE *s = text;                                                                 \
        Py_ssize_t m = 0, pairs = 0;                                                          \
        int avail = 0, prev_run = 0;                                                          \
        uint16_t prev = 0;                                                                    \
        uint16_t last = 1; /* what was written last; 1: nothing yet (so a 0 is written) */    \
        for (Py_ssize_t i = 0; i < n;) {                                                      \
            if (!prev_run) {                                                                  \
                Py_ssize_t j = i;                                                             \
                while (j + 8 <= n && ASCII8(s + j)) j += 8;                                   \
                while (j < n && !(index[s[j] > 0xFFFF ? 0xFFFF : s[j]] & IDX_MASK)) j++;      \
                if (j > i) {                                                                  \
                    out[m] = 0;                                                               \
                    m += last != 0;                                                           \
                    last = 0, avail = 0, i = j;                                               \
                    continue;                                                                 \
                }                                                                             \
            }                                                                                 \
            uint32_t c = s[i];                                                                \
            if (c > 0xFFFF) c = 0xFFFF; /* astral: in no table, as lossless.codepoints clips it */          \
            uint16_t e = index[c], x = e & IDX_MASK;                                          \
            /* Non-overlapping lead/continuation pairs, left to right (re.findall's). */      \
            if (avail && (e & CONT_ANY)) {                                                    \
                uint64_t bits = lead[prev] & cont[x];                                         \
                uint32_t *h = hist + (pairs++ % WAYS) * 256 * HB;                             \
                for (int q = 0; q < HB; q++) h[256 * q + ((bits >> (8 * q)) & 0xFF)]++;       \
                avail = 0;                                                                    \
            } else {                                                                          \
                avail = (e & LEAD_ANY) != 0;                                                  \
                prev = x;                                                                     \
            }                                                                                 \
            uint16_t v = x ? x : (c == 0x3F && prev_run) ? QMARK : 0;                         \
            counts[(i % WAYS) * size + (x & (size - 1))]++;                                   \
            prev_run = x != 0;                                                                \
            out[m] = v;                                                                       \
            m += (v != 0) | (last != 0);                                                      \
            last = v;                                                                         \
            i++;                                                                              \
        }                                                                                     \
        return m;                                                                             \
    }

/* Are the eight characters at s all ASCII? (unaligned 64-bit loads through memcpy) */
static inline int ascii8_ucs1(const Py_UCS1 *s) {
    uint64_t a;
    memcpy(&a, s, 8);
    return (a & 0x8080808080808080ULL) == 0;
}
static inline int ascii8_ucs2(const Py_UCS2 *s) {
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + 4, 8);
    return ((a | b) & 0xFF80FF80FF80FF80ULL) == 0;
}
static inline int ascii8_ucs4(const Py_UCS4 *s) {
    uint64_t a[4];
    memcpy(a, s, 32);
    return ((a[0] | a[1] | a[2] | a[3]) & 0xFFFFFF80FFFFFF80ULL) == 0;
}

/* Up to 16 code pages (the usual case) two bytes of the bit mask, else all eight. */
PREP_FN(prep_ucs1, Py_UCS1, ascii8_ucs1, 2)
PREP_FN(prep_ucs2, Py_UCS2, ascii8_ucs2, 2)
PREP_FN(prep_ucs4, Py_UCS4, ascii8_ucs4, 2)
PREP_FN(prep_ucs1_wide, Py_UCS1, ascii8_ucs1, 8)
PREP_FN(prep_ucs2_wide, Py_UCS2, ascii8_ucs2, 8)
PREP_FN(prep_ucs4_wide, Py_UCS4, ascii8_ucs4, 8)

typedef Py_ssize_t (*prep_fn)(const void *, Py_ssize_t, const uint16_t *, const uint64_t *,
                              const uint64_t *, uint32_t *, uint32_t *, uint32_t, uint16_t *);

static PyObject *int_list(const Py_ssize_t *values, int n) {
    PyObject *list = PyList_New(n);
    for (int k = 0; list && k < n; k++) {
        PyObject *o = PyLong_FromSsize_t(values[k]);
        if (!o) Py_CLEAR(list);
        else PyList_SET_ITEM(list, k, o);
    }
    return list;
}

/* The votes out of the byte-sliced histograms (WAYS copies of hist_bytes x 256). */
static PyObject *votes_list(const uint32_t *hist, int hist_bytes, int ncodecs) {
    Py_ssize_t votes[MAX_CODECS] = {0};
    for (int q = 0; q < hist_bytes; q++) {
        for (int x = 1; x < 256; x++) {
            Py_ssize_t total = 0;
            for (int w = 0; w < WAYS; w++) total += hist[(w * hist_bytes + q) * 256 + x];
            for (int bit = 0; total && bit < 8; bit++)
                if (x >> bit & 1) votes[8 * q + bit] += total;
        }
    }
    return int_list(votes, ncodecs);
}

/* Per code page, how many characters of the text its runs turn into bytes >= 0x80: an upper
 * bound of its score (valid bytes + damaged sequences - junk, each counting distinct bytes
 * >= 0x80, and junk >= 0). */
static PyObject *bounds_list(const uint32_t *counts, uint32_t size, const uint8_t *run_bytes,
                             int ncodecs) {
    Py_ssize_t high[MAX_CODECS] = {0};
    for (uint32_t x = FIRST; x < size; x++)
        if (counts[x])
            for (int k = 0; k < ncodecs; k++)
                if (run_bytes[(Py_ssize_t)k * TABLE + x] >= 0x80) high[k] += counts[x];
    return int_list(high, ncodecs);
}

/* prepare(text, sample, index, lead_bits, cont_bits, run_bytes, ncodecs, size)
 *     -> (squeezed, counts, votes, bounds)
 * Reads text[:sample] (sample >= 0). index: uint16[0x10000] (see the top); lead_bits,
 * cont_bits: uint64[0x10000] by number, bit k for code page k; run_bytes: ncodecs x
 * uint8[0x10000] by number (the byte of a character in that code page's runs, else 0);
 * size: a power of two above every number. squeezed: native uint16 bytes; counts: native
 * uint32[size] bytes (how often each number occurs). */
static PyObject *prepare(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t sample, size;
    int ncodecs;
    Py_buffer idx_b, lead_b, cont_b, rb_b;
    if (!PyArg_ParseTuple(args, "Uny*y*y*y*in", &text, &sample, &idx_b, &lead_b, &cont_b, &rb_b,
                          &ncodecs, &size))
        return NULL;
#if PY_VERSION_HEX < 0x030C0000 /* strings made by the legacy C API are readied on demand */
    if (PyUnicode_READY(text) < 0) {
        PyBuffer_Release(&idx_b), PyBuffer_Release(&lead_b);
        PyBuffer_Release(&cont_b), PyBuffer_Release(&rb_b);
        return NULL;
    }
#endif
    PyObject *result = NULL, *squeezed = NULL, *votes = NULL, *bounds = NULL, *counts = NULL;
    uint32_t *hist = NULL, *ways = NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m;
    int hist_bytes = ncodecs <= 16 ? 2 : 8;
    if (ncodecs < 0 || ncodecs > MAX_CODECS || size < FIRST || size > IDX_MASK + 1 ||
        (size & (size - 1))) {
        PyErr_SetString(PyExc_ValueError, "ncodecs must be 0-64, size a power of two >= 32");
        goto done;
    }
    if (!check_len(&idx_b, 2 * TABLE, "index") || !check_len(&lead_b, 8 * TABLE, "lead_bits") ||
        !check_len(&cont_b, 8 * TABLE, "cont_bits") ||
        !check_len(&rb_b, (Py_ssize_t)ncodecs * TABLE, "run_bytes"))
        goto done;
    if (sample < n) n = sample < 0 ? 0 : sample;
    hist = PyMem_Calloc((size_t)WAYS * 256 * hist_bytes, sizeof *hist);
    ways = PyMem_Calloc((size_t)WAYS * size, sizeof *ways);
    /* at most one element per character, then the padding */
    squeezed = PyBytes_FromStringAndSize(NULL, 2 * (n + PAD));
    counts = PyBytes_FromStringAndSize(NULL, 4 * size);
    if (!hist || !ways) PyErr_NoMemory();
    if (!hist || !ways || !squeezed || !counts) goto done;
    uint16_t *out = (uint16_t *)PyBytes_AS_STRING(squeezed);
    uint32_t sz = (uint32_t)size, *cnt = (uint32_t *)PyBytes_AS_STRING(counts);
    static const prep_fn fns[2][3] = {{prep_ucs1, prep_ucs2, prep_ucs4},
                                      {prep_ucs1_wide, prep_ucs2_wide, prep_ucs4_wide}};
    int kind = PyUnicode_KIND(text);
    prep_fn fn = fns[hist_bytes == 8][kind == PyUnicode_1BYTE_KIND   ? 0
                                      : kind == PyUnicode_2BYTE_KIND ? 1
                                                                     : 2];
    const void *data = PyUnicode_DATA(text);
    Py_BEGIN_ALLOW_THREADS
    m = fn(data, n, idx_b.buf, lead_b.buf, cont_b.buf, hist, ways, sz, out);
    memset(out + m, 0, PAD * sizeof *out);
    for (uint32_t x = 0; x < sz; x++)
        cnt[x] = ways[x] + ways[sz + x] + ways[2 * sz + x] + ways[3 * sz + x];
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&squeezed, 2 * (m + PAD)) < 0) goto done; /* frees it on failure */
    votes = votes_list(hist, hist_bytes, ncodecs);
    bounds = votes ? bounds_list(cnt, sz, rb_b.buf, ncodecs) : NULL;
    if (bounds) result = PyTuple_Pack(4, squeezed, counts, votes, bounds);
done:
    Py_XDECREF(squeezed);
    Py_XDECREF(counts);
    Py_XDECREF(votes);
    Py_XDECREF(bounds);
    PyMem_Free(hist);
    PyMem_Free(ways);
    PyBuffer_Release(&idx_b);
    PyBuffer_Release(&lead_b);
    PyBuffer_Release(&cont_b);
    PyBuffer_Release(&rb_b);
    return result;
}

/* ---------------------------------------------------------------- evidence */

static inline int is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/* lossless._unexplained_losses, each byte's count summed from its characters' counts. */
static Py_ssize_t unexplained_losses(const uint32_t *counts, Py_ssize_t size, const uint8_t *rb,
                                     uint64_t defined) {
    Py_ssize_t per_byte[256] = {0}, v[64];
    for (Py_ssize_t x = FIRST; x < size; x++) per_byte[rb[x]] += counts[x];
    int nv = 0;
    for (int b = 0x80; b < 0xC0; b++)
        if (b != 0xA0 && b != 0xAD) v[nv++] = per_byte[b];
    for (int a = 1; a < nv; a++) { /* insertion sort: 62 values */
        Py_ssize_t x = v[a];
        int q = a;
        for (; q > 0 && v[q - 1] > x; q--) v[q] = v[q - 1];
        v[q] = x;
    }
    Py_ssize_t typical = v[nv / 2];
    if (typical < 8) return 0;
    Py_ssize_t rare = 0;
    for (int b = 0; b < 64; b++)
        if ((defined >> b & 1) && (double)per_byte[0x80 + b] < 0.05 * (double)typical) rare++;
    return typical * rare;
}

/* The UTF-8 decoder's greedy scan over one code page's bytes of the squeezed text (sq has
 * PAD zeros after its m elements): a whole sequence is skipped; an undecodable lead takes
 * the continuation bytes and loss marks after it (its damage, not junk); every other byte
 * >= 0x80 is junk. out: valid, valid bytes, damaged, undecodable leads, other junk bytes. */
static void decode(const uint16_t *sq, Py_ssize_t m, const uint8_t *rb, int hole,
                   Py_ssize_t out[5]) {
    Py_ssize_t valid = 0, valid_bytes = 0, damaged = 0, leads = 0, stray = 0;
#define AT(j) rb[sq[(j)]]
    for (Py_ssize_t j = 0; j < m;) {
        uint8_t b0 = AT(j);
        if (b0 < 0x80) {
            j++;
            continue;
        }
        if (b0 < 0xC2 || b0 > 0xF4) {
            stray++;
            j++;
            continue;
        }
        uint8_t b1 = AT(j + 1);
        int len = 0;
        if (is_cont(b1)) {
            if (b0 <= 0xDF) len = 2;
            else if (is_cont(AT(j + 2))) {
                if (b0 <= 0xEF) /* not overlong, not a surrogate */
                    len = (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) ? 0 : 3;
                else if (is_cont(AT(j + 3))) /* not overlong, not beyond U+10FFFF */
                    len = (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F) ? 0 : 4;
            }
        }
        if (len) {
            valid++;
            valid_bytes += len;
            j += len;
            continue;
        }
        leads++;
        if (is_cont(b1) || b1 == hole || b1 == 0x3F) damaged++;
        for (j++; j < m && (is_cont(AT(j)) || AT(j) == hole); j++) {
        }
    }
#undef AT
    out[0] = valid, out[1] = valid_bytes, out[2] = damaged, out[3] = leads, out[4] = stray;
}

/* evidence(squeezed, counts, run_byte, hole, defined) -> (valid, valid_bytes, damaged, junk)
 * squeezed, counts: from prepare(); run_byte: uint8[0x10000] by number, this code page's
 * byte for a character in its runs, else 0 (and '?' for QMARK); defined: bit b for each
 * continuation byte 0x80 + b the code page defines (not 0xA0, 0xAD). junk includes the
 * unexplained-losses penalty when anything is damaged, as lossless computes it. */
static PyObject *evidence(PyObject *self, PyObject *args) {
    Py_buffer sq_b, cnt_b, rb_b;
    int hole;
    unsigned long long defined;
    if (!PyArg_ParseTuple(args, "y*y*y*iK", &sq_b, &cnt_b, &rb_b, &hole, &defined)) return NULL;
    PyObject *result = NULL;
    uint16_t *copy = NULL;
    Py_ssize_t size = cnt_b.len / 4, m = sq_b.len / 2;
    const uint16_t *sq = sq_b.buf;
    if (!check_len(&rb_b, TABLE, "run_byte")) goto done;
    if (sq_b.len % 2 || cnt_b.len % 4 || size > TABLE) {
        PyErr_SetString(PyExc_ValueError, "squeezed, counts: not from prepare()");
        goto done;
    }
    int padded = m >= PAD;
    for (int p = 0; padded && p < PAD; p++) padded = sq[m - 1 - p] == 0;
    if (padded) {
        m -= PAD;
    } else { /* not padded as prepare() pads: read a padded copy */
        copy = PyMem_Calloc((size_t)(m + PAD), sizeof *copy);
        if (!copy) {
            PyErr_NoMemory();
            goto done;
        }
        if (m) memcpy(copy, sq, (size_t)m * sizeof *copy);
        sq = copy;
    }
    Py_ssize_t got[5], losses = 0;
    Py_BEGIN_ALLOW_THREADS
    decode(sq, m, rb_b.buf, hole, got);
    if (got[2]) losses = unexplained_losses(cnt_b.buf, size, rb_b.buf, defined);
    Py_END_ALLOW_THREADS
    result = Py_BuildValue("(nnnn)", got[0], got[1], got[2], got[3] - got[2] + got[4] + losses);
done:
    PyMem_Free(copy);
    PyBuffer_Release(&sq_b);
    PyBuffer_Release(&cnt_b);
    PyBuffer_Release(&rb_b);
    return result;
}

static PyMethodDef methods[] = {
    {"prepare", prepare, METH_VARARGS, "Pair votes and the squeezed text (see lossless.py)."},
    {"evidence", evidence, METH_VARARGS, "One code page's re-reading counts (see lossless.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_codec",
                                    "Code-page detection, compiled (see lossless.py).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__codec(void) { return PyModule_Create(&module); }
