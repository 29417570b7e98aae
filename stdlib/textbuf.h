/* textbuf.h: a NUL-terminated text that grows, written piece by piece.
 * The one such buffer of the tree: diagnostics and listings in the
 * library, JSON lines in the hosts (which compile textbuf.c themselves). */
#ifndef CBR_STDLIB_TEXTBUF_H
#define CBR_STDLIB_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include "include/cbr.h"

/* Zero-initialise (alloc NULL is the C library's realloc, so p is freed
 * with free), or set alloc and ud first.  When memory runs out oom is set,
 * later writes do nothing and p keeps what was written before. */
typedef struct cbrtb {
    char *p;
    size_t n, cap;
    bool oom;
    cbr_alloc_fn alloc;
    void *ud;
} cbrtb;

void cbrtb_put(cbrtb *b, const char *s, size_t n);
void cbrtb_puts(cbrtb *b, const char *s);
void cbrtb_printf(cbrtb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Room for n more bytes (and the NUL after them) at p + n, for a writer
 * that stores them itself and then adds to n; NULL when memory runs out
 * (oom is set).  The NUL is the writer's to put. */
char *cbrtb_reserve(cbrtb *b, size_t n);
/* Releases p and empties b (alloc and ud stay). */
void cbrtb_free(cbrtb *b);

#endif
