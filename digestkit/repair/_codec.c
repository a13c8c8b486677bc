/* Code-page detection (digestkit/repair/lossless.py: choose_codec) compiled: the same counts, in C.
 *
 * lossless.py is the reference: _choose_codec_arrays (numpy) and _choose_codec_regex count the
 * same things, and the tests check that this module gives the identical CodecChoice. Python
 * keeps the tables (built once per tuple of code pages, passed in as buffers) and the
 * decision (_decide: shortlist, scores, confidence); this module does the loops over the text:
 *
 *   prepare()   one pass over the str: the pair vote of every code page, the text squeezed
 *               to what any code page's runs can use, how often each such character occurs,
 *               and per code page an upper bound of its score (its bytes >= 0x80), so that
 *               Python can skip re-reading a code page that cannot matter
 *   evidence()  one pass over the squeezed text per code page re-read: its runs' bytes,
 *               decoded as UTF-8 (valid, valid bytes, damaged, junk), plus the
 *               unexplained-losses penalty when anything is damaged
 *
 * Characters are looked up once, in `index` (uint16[0x10000]): bits 0-13 a small number for
 * every character some code page's runs contain (0: none), bit 14 "the image of a lead
 * byte in some code page", bit 15 "of a continuation byte, or a loss mark". Every per-code-
 * page table is indexed by that small number, so the tables a text touches stay in cache.
 *
 * The squeezed text (uint16 small numbers): every character that no code page's runs
 * contain (plain ASCII, CJK, astral, lone surrogates) only separates runs, so each stretch of
 * them is one 0. A space or '?' can join a run (at most the first three of a block, and not
 * a block at the start of the text): those are kept as 0x01-0x03 (space) or 0x11-0x13 ('?'),
 * saying how far back the character before their block is, so that evidence() can ask
 * whether it was in a run of its code page. The rest of such a block is 0. Small numbers of
 * characters start at 0x20 (lossless._compiled_tables), so the codes cannot be confused.
 *
 * Any buffer contents are memory-safe: every index is masked to its table's size.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define BMP 0x10000
#define MAX_CODECS 64

/* ---------------------------------------------------------------- prepare */

#define IDX_MASK 0x3FFF
#define LEAD_ANY 0x4000
#define CONT_ANY 0x8000
#define TABLE 0x10000 /* entries of every table indexed by character or small number */

/* One pass over the text, as a function per string kind (the loop is the hot one: locals
 * only, no branch on whether a character is kept). Returns the squeezed length.
 *
 * Plain text is skipped eight characters at a time: when the character before is in no run
 * (so no pair is open and no space can join a run), eight ASCII characters only separate,
 * spaces and '?' included (they could join a run only after a run character).
 *
 * hist: WAYS copies of one 256-entry histogram per byte of the code-page bit mask (a pair
 * costs one increment per 8 code pages); counts: WAYS copies of `size` entries. Increments
 * rotate through the copies so that a repeated value does not wait for the one before. */
#define WAYS 4
#define PREP_FN(NAME, TYPE, ASCII8, HB)                                                         \
    static Py_ssize_t NAME(const void *text, Py_ssize_t n, const uint16_t *index,            \
                           const uint64_t *lead, const uint64_t *cont, uint32_t *hist,       \
                           uint32_t *counts, uint32_t size, uint16_t *out) {                  \
        const TYPE *s = text;                                                                 \
        Py_ssize_t m = 0, block_k = 0;                                                        \
        int avail = 0, prev_run = 0, in_block = 0, live = 0;                                  \
        uint16_t prev = 0;                                                                    \
        uint16_t last = 1; /* what was written last; 1: nothing yet (so a 0 is written) */    \
        uint32_t pairs = 0;                                                                   \
        for (Py_ssize_t i = 0; i < n;) {                                                      \
            if (!prev_run && !live && i + 8 <= n && ASCII8(s + i)) {                          \
                out[m] = 0;                                                                   \
                m += last != 0;                                                               \
                last = 0, in_block = 0, i += 8;                                               \
                continue;                                                                     \
            }                                                                                 \
            uint32_t c = s[i];                                                                \
            if (c > 0xFFFF) c = 0xFFFF; /* astral: in no table, as numpy clips it */          \
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
            uint16_t v;                                                                       \
            if (c == 0x20 || c == 0x3F) {                                                     \
                if (!in_block) in_block = 1, block_k = 0, live = prev_run;                    \
                block_k++;                                                                    \
                v = (live && block_k <= 3) ? (uint16_t)((c == 0x3F ? 0x10 : 0) | block_k) : 0; \
                prev_run = 0;                                                                 \
            } else {                                                                          \
                in_block = 0, live = 0;                                                       \
                v = x;                                                                        \
                prev_run = x != 0;                                                            \
                counts[(i % WAYS) * size + (x & (size - 1))]++;                               \
            }                                                                                 \
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
static int check_len(Py_buffer *b, Py_ssize_t want, const char *name) {
    if (b->len != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", name, want, b->len);
        return 0;
    }
    return 1;
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
    PyObject *list = PyList_New(ncodecs);
    for (int k = 0; list && k < ncodecs; k++) {
        PyObject *o = PyLong_FromSsize_t(votes[k]);
        if (!o) Py_CLEAR(list);
        else PyList_SET_ITEM(list, k, o);
    }
    return list;
}

/* Per code page, how many characters of the text its runs turn into bytes >= 0x80: an upper
 * bound of its score (valid bytes + damaged sequences - junk). */
static PyObject *bounds_list(const uint32_t *counts, uint32_t size, const uint8_t *run_bytes,
                             int ncodecs) {
    Py_ssize_t high[MAX_CODECS] = {0};
    for (uint32_t x = 0x20; x < size; x++)
        if (counts[x])
            for (int k = 0; k < ncodecs; k++)
                if (run_bytes[(Py_ssize_t)k * TABLE + x]) high[k] += counts[x];
    PyObject *bounds = PyList_New(ncodecs);
    for (int k = 0; bounds && k < ncodecs; k++) {
        PyObject *o = PyLong_FromSsize_t(high[k]);
        if (!o) Py_CLEAR(bounds);
        else PyList_SET_ITEM(bounds, k, o);
    }
    return bounds;
}

/* prepare(text, sample, index, lead_bits, cont_bits, run_bytes, ncodecs, size)
 *     -> (squeezed, counts, votes, bounds)
 * index: uint16[0x10000] (see the top); lead_bits, cont_bits: uint64[0x10000] by small
 * number, bit k for code page k; run_bytes: ncodecs x uint8[0x10000] by small number (the
 * byte of a character in that code page's runs, else 0); size: a power of two above every
 * small number. squeezed: native uint16 bytes; counts: native uint32[size] bytes. */
static PyObject *prepare(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t sample, size;
    int ncodecs;
    Py_buffer idx_b, lead_b, cont_b, rb_b;
    if (!PyArg_ParseTuple(args, "Uny*y*y*y*in", &text, &sample, &idx_b, &lead_b, &cont_b, &rb_b,
                          &ncodecs, &size))
        return NULL;
    PyObject *result = NULL, *squeezed = NULL, *votes = NULL, *bounds = NULL, *counts = NULL;
    uint32_t *hist = NULL, *ways = NULL;
    if (ncodecs < 0 || ncodecs > MAX_CODECS || size < 0x20 || size > IDX_MASK + 1 ||
        (size & (size - 1))) {
        PyErr_SetString(PyExc_ValueError, "ncodecs must be 0-64, size a power of two >= 32");
        goto done;
    }
    if (!check_len(&idx_b, 2 * TABLE, "index") || !check_len(&lead_b, 8 * TABLE, "lead_bits") ||
        !check_len(&cont_b, 8 * TABLE, "cont_bits") ||
        !check_len(&rb_b, (Py_ssize_t)ncodecs * TABLE, "run_bytes"))
        goto done;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (sample < n) n = sample < 0 ? 0 : sample;
    int hist_bytes = ncodecs <= 16 ? 2 : 8;
    hist = PyMem_Calloc((size_t)WAYS * 256 * hist_bytes, sizeof *hist);
    ways = PyMem_Calloc((size_t)WAYS * size, sizeof *ways);
    squeezed = PyBytes_FromStringAndSize(NULL, 2 * n); /* at most one element per character */
    counts = PyBytes_FromStringAndSize(NULL, 4 * size);
    if (!hist || !ways) PyErr_NoMemory();
    if (!hist || !ways || !squeezed || !counts) goto done;
    uint16_t *out = (uint16_t *)PyBytes_AS_STRING(squeezed);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    uint32_t sz = (uint32_t)size, *cnt = (uint32_t *)PyBytes_AS_STRING(counts);
    Py_ssize_t m;
    Py_BEGIN_ALLOW_THREADS
    static const prep_fn fns[2][3] = {{prep_ucs1, prep_ucs2, prep_ucs4},
                                      {prep_ucs1_wide, prep_ucs2_wide, prep_ucs4_wide}};
    prep_fn fn = fns[hist_bytes == 8][kind == PyUnicode_1BYTE_KIND ? 0 : kind == PyUnicode_2BYTE_KIND ? 1 : 2];
    m = fn(data, n, idx_b.buf, lead_b.buf, cont_b.buf, hist, ways, sz, out);
    for (uint32_t x = 0; x < sz; x++)
        cnt[x] = ways[x] + ways[sz + x] + ways[2 * sz + x] + ways[3 * sz + x];
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&squeezed, 2 * m) < 0) goto done; /* frees squeezed on failure */
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

static inline uint8_t blob_byte(const uint16_t *sq, Py_ssize_t j, const uint8_t *rb) {
    uint16_t c = sq[j];
    if (c != 0 && c < 0x20) { /* a space or '?' that joins a run of this code page */
        int back = c & 0x0F;
        return (j >= back && rb[sq[j - back]]) ? ((c & 0x10) ? 0x3F : 0x20) : 0;
    }
    return rb[c];
}

static inline int is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/* Length of the valid UTF-8 sequence that starts at s (a lead byte 0xC2-0xF4), or 0. */
static inline int valid_length(const uint8_t *s) {
    uint8_t b0 = s[0], b1 = s[1];
    if (!is_cont(b1)) return 0;
    if (b0 <= 0xDF) return 2;
    if (!is_cont(s[2])) return 0;
    if (b0 <= 0xEF) {
        if (b0 == 0xE0 && b1 < 0xA0) return 0; /* overlong */
        if (b0 == 0xED && b1 > 0x9F) return 0; /* a surrogate */
        return 3;
    }
    if (!is_cont(s[3])) return 0;
    if (b0 == 0xF0 && b1 < 0x90) return 0; /* overlong */
    if (b0 == 0xF4 && b1 > 0x8F) return 0; /* beyond U+10FFFF */
    return 4;
}

/* lossless._unexplained_losses, each byte's count summed from the characters' counts. */
static Py_ssize_t unexplained_losses(const uint32_t *counts, uint32_t size, const uint8_t *rb,
                                     uint64_t defined) {
    Py_ssize_t per_byte[256] = {0}, v[64];
    for (uint32_t x = 0x20; x < size; x++) per_byte[rb[x]] += counts[x];
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

/* The decoder's greedy scan over a blob (four 0s of padding after m): a whole sequence is
 * skipped; an undecodable lead takes the continuation bytes and loss marks after it (they
 * are its damage, not junk); every other byte >= 0x80 is junk. out: valid, valid bytes,
 * damaged, undecodable leads, junk bytes that are no lead. */
static void decode(const uint8_t *blob, Py_ssize_t m, int hole, Py_ssize_t out[5]) {
    Py_ssize_t valid = 0, valid_bytes = 0, damaged = 0, leads = 0, stray = 0;
    for (Py_ssize_t j = 0; j < m;) {
        uint8_t b = blob[j];
        if (b < 0x80) {
            j++;
        } else if (b >= 0xC2 && b <= 0xF4) {
            int len = valid_length(blob + j);
            if (len) {
                valid++;
                valid_bytes += len;
                j += len;
                continue;
            }
            leads++;
            uint8_t next = blob[j + 1];
            if (is_cont(next) || next == hole || next == 0x3F) damaged++;
            for (j++; j < m && (is_cont(blob[j]) || blob[j] == hole); j++) {
            }
        } else {
            stray++;
            j++;
        }
    }
    out[0] = valid, out[1] = valid_bytes, out[2] = damaged, out[3] = leads, out[4] = stray;
}

/* evidence(squeezed, counts, run_byte, hole, defined) -> (valid, valid_bytes, damaged, junk)
 * squeezed, counts: from prepare(); run_byte: uint8[0x10000] by small number, this code
 * page's byte for a character in its runs, else 0; defined: bit b for each continuation
 * byte 0x80 + b the code page defines (not 0xA0, 0xAD). junk includes the unexplained-
 * losses penalty when anything is damaged, as lossless computes it. */
static PyObject *evidence(PyObject *self, PyObject *args) {
    Py_buffer sq_b, cnt_b, rb_b;
    int hole;
    unsigned long long defined;
    if (!PyArg_ParseTuple(args, "y*y*y*iK", &sq_b, &cnt_b, &rb_b, &hole, &defined)) return NULL;
    PyObject *result = NULL;
    uint8_t *blob = NULL;
    Py_ssize_t size = cnt_b.len / 4;
    if (!check_len(&rb_b, TABLE, "run_byte")) goto done;
    if (sq_b.len % 2 || cnt_b.len % 4 || size > TABLE) {
        PyErr_SetString(PyExc_ValueError, "squeezed, counts: not from prepare()");
        goto done;
    }
    Py_ssize_t m = sq_b.len / 2;
    blob = PyMem_Malloc(m + 4);
    if (!blob) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t got[5], losses = 0;
    const uint8_t *rb = rb_b.buf;
    Py_BEGIN_ALLOW_THREADS
    const uint16_t *sq = sq_b.buf;
    for (Py_ssize_t j = 0; j < m; j++) blob[j] = blob_byte(sq, j, rb);
    memset(blob + m, 0, 4);
    decode(blob, m, hole, got);
    if (got[2]) losses = unexplained_losses(cnt_b.buf, (uint32_t)size, rb, defined);
    Py_END_ALLOW_THREADS
    Py_ssize_t junk = got[3] - got[2] + got[4] + losses;
    result = Py_BuildValue("(nnnn)", got[0], got[1], got[2], junk);
done:
    PyMem_Free(blob);
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
