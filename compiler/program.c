/* program.c: the compiler's last step, a checked compiler to a program:
 * code generation (codegen.c), then the runtime's own verifier and
 * preparation, exactly as for a loaded bundle (vm/program.c). */
#include "config.h"
#include "compiler/compint.h"
#include "compiler/codegen.h"

cbr_status cbr_compiler_program(cbr_compiler *c, cbr_program **out, cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local; /* the status below comes from it */
    if (!c || !out)
        return cbrx_fail(err, CBR_ERR_ARG, "no compiler"), CBR_ERR_ARG;
    *out = NULL;
    if (!c->checked)
        return cbrx_fail(err, CBR_ERR_STATE, "check the sources before generating code"), CBR_ERR_STATE;
    if (c->nerr)
        return cbrx_fail(err, CBR_ERR_COMPILE, "the rules have %u error%s", c->nerr, c->nerr == 1 ? "" : "s"),
               CBR_ERR_COMPILE;
    cbr_program *p = cbrx_program_new(&c->cfg);
    if (!p)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
    cbrx_program x;
    if (!cbrx_generate(c, &x, err)) {
        cbrx_dealloc(&p->x, p);
        return err->status;
    }
    p->x = x;
    /* Code generation and the verifier must agree: checking our own output
     * keeps the two honest. */
    if (!cbrx_verify(&p->x, err) || !cbrx_program_prepare(p, err)) {
        cbr_status st = err->status;
        cbr_program_free(p);
        return st;
    }
    *out = p;
    return CBR_OK;
}
