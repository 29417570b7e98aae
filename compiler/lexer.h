/* lexer.h: the re2c scanner's state (lexer.re).  The parser pulls tokens with
 * cbr_yylex; the lexer reports its own precise errors (bad literals, invalid
 * UTF-8, unterminated strings) and then hands the parser YYerror, so a lexical
 * error is never reported twice. */
#ifndef CBR_COMPILER_LEXER_H
#define CBR_COMPILER_LEXER_H

#include "compiler/compint.h"

struct cbr_lexer {
    cbr_compiler *cc;
    uint32_t file;
    const unsigned char *base; /* start of the text */
    const unsigned char *cur, *mar, *lim, *tok, *ctx;
    const unsigned char *line_start;
    unsigned depth;            /* open ( and [ */
    bool depth_reported;
    int prev_kind;             /* the token before this one (0 at the start) */
    const unsigned char *prev_start, *prev_end;
    char *sbuf;                /* string literal being decoded */
    size_t slen, scap;
};

void cbrlex_init(struct cbr_lexer *lx, cbr_compiler *cc, uint32_t file);
void cbrlex_free(struct cbr_lexer *lx);

#endif
