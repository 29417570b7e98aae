/* opcodes.h: the instruction set of the batch VM.
 *
 * Every instruction works on a whole batch at once, under the current
 * selection: the sorted list of rows still being considered.  Value
 * instructions compute a register for the selected rows only; filter
 * instructions shrink the selection to the rows where a test is exactly true
 * (or exactly false), so a missing value never passes a filter either way,
 * which is SQL's three-valued logic.  `and` is a chain of filters; `or` saves
 * the selection (PUSH), tries each branch on the rows no earlier branch took
 * (ORNEXT) and unites what they kept (OREND).
 *
 * There are no jumps: an offer's code runs from its first instruction to its
 * last, so the cost of a batch is at most the program's length times the
 * batch's size, and the verifier checks the code in one linear pass.
 *
 * Encoding: 12 bytes, `op d a b k`.  d, a and b name registers unless the
 * table says otherwise; k is a constant, set, field or clause index. */
#ifndef CBR_VM_OPCODES_H
#define CBR_VM_OPCODES_H

#include <stdint.h>

typedef struct cbrx_insn {
    uint16_t op;
    uint16_t d;
    uint16_t a;
    uint16_t b;
    uint32_t k;
} cbrx_insn;

/* Comparison codes (FCMP, FCMPK and CMP carry one in their flags). */
enum { XC_EQ, XC_NE, XC_LT, XC_LE, XC_GT, XC_GE, XC_COUNT };

/* X(name, operand shape) -- the shapes are what disasm prints and what the
 * verifier checks first; the type rules of each op are in verify.c. */
#define CBRX_OPCODES(X)                                                      \
    /* values */                                                             \
    X(LOAD, "d field")        /* d = column k (derived: in the offer's zone) */ \
    X(CONST, "d const")       /* d = consts[k] */                            \
    X(CONSTM, "d const cur")  /* d = consts[k] if the row's currency is string consts[k+1] */ \
    X(ADD, "d a b")                                                          \
    X(SUB, "d a b")                                                          \
    X(MUL, "d a b")                                                          \
    X(DIV, "d a b")           /* rounded toward zero to d's scale; /0 is missing */ \
    X(NEG, "d a")                                                            \
    X(ABS, "d a")                                                            \
    X(MIN, "d a b")                                                          \
    X(MAX, "d a b")                                                          \
    X(ROUND, "d a mode")      /* to d's scale; k = cbrround */               \
    X(CMP, "d a b cmp")       /* d = a <cmp k> b */                          \
    X(IN, "d a set")          /* d = a in sets[k] */                         \
    X(EXISTS, "d a")          /* d = a is not missing (never missing itself) */ \
    X(LOWER, "d a")                                                          \
    X(UPPER, "d a")                                                          \
    X(FOLD, "d a")            /* NFKC + case folding: the key of ~= */       \
    X(LEN, "d a")                                                            \
    X(STARTS, "d a b")                                                       \
    X(ENDS, "d a b")                                                         \
    X(CONTAINS, "d a b")                                                     \
    X(CALL, "d extern args")  /* d = externs[b](registers consts[k .. k+a)) */ \
    X(SETNULL, "d")           /* d = missing on the selected rows */         \
    X(MARK, "d bool")         /* d = k (0 or 1) on the selected rows */      \
    /* filters: d holds the flags, cmp | want << 3 */                        \
    X(FCMP, "flags a b")      /* keep rows where (a <cmp> b) == want */      \
    X(FCMPK, "flags a const") /* keep rows where (a <cmp> consts[k]) == want */ \
    X(FBOOL, "flags a")       /* keep rows where a == want */                \
    X(FIN, "flags a set")     /* keep rows where (a in sets[k]) == want */   \
    X(FNULL, "flags a")       /* keep rows where (a is not missing) == want */ \
    X(NONE, "")               /* keep no row */                              \
    /* selections */                                                         \
    X(PUSH, "")               /* save the selection */                       \
    X(ORNEXT, "")             /* kept += selection; selection = saved - kept */ \
    X(OREND, "")              /* selection = kept + selection; drop saved */ \
    X(RESTORE, "")            /* selection = saved */                        \
    X(POP, "")                /* selection = saved; drop saved */            \
    X(NEXTCLAUSE, "")         /* selection = saved - selection; drop saved */ \
    /* rewards */                                                            \
    X(REWARD, "clause")       /* the selected rows earn clause k's reward */ \
    /* tables (appended: opcode numbers are part of the bundle format) */   \
    X(TGET, "d a table")      /* d = tables[k][a], missing when a is not a key */ \
    X(TIN, "d a table")       /* d = a is a key of tables[k] (missing when a is) */ \
    X(FTIN, "flags a table")  /* keep rows where (a is a key of tables[k]) == want */   \
    /* history */                                                            \
    X(TALLY, "d tally")       /* d = tally k's value for each row, this row included */

typedef enum cbrx_opcode {
#define CBRX_ENUM(name, shape) XOP_##name,
    CBRX_OPCODES(CBRX_ENUM)
#undef CBRX_ENUM
    XOP_COUNT
} cbrx_opcode;

#define XF_CMP(flags) ((flags) & 7)
#define XF_WANT(flags) (((flags) >> 3) & 1)
#define XF_MAKE(cmp, want) ((uint16_t)((cmp) | ((want) ? 8 : 0)))

const char *cbrx_opname(unsigned op);

#endif
