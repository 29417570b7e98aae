/* codegen.h: the compiler's back end, from the checked model to the
 * runtime's program tables (codegen.c).  The runtime never includes it. */
#ifndef CBR_COMPILER_CODEGEN_H
#define CBR_COMPILER_CODEGEN_H

#include "vm/program.h"

struct cbr_compiler;
/* The program of a checked compiler; false with err set. */
bool cbrx_generate(struct cbr_compiler *c, cbrx_program *out, cbr_error *err);

#endif
