/* tables.c: the tables a program looks up (program.h's cbrx_table).
 *
 * A table arrives from the compiler or from a bundle as two parallel arrays,
 * keys ascending and unique.  The verifier trusts none of it: key and value
 * types, scales, the order of the keys, bools that are 0 or 1, string
 * indexes in range, and the row counts against CBRX_MAX_TABLE_ROWS.  Once
 * verified, prepare builds each table's hash index, so a lookup is one
 * probe into a table at most half full whatever its size. */
#include "config.h"
#include <string.h>
#include "vm/program.h"

/* 0001-01-01 and 9999-12-31: the dates the language can write. */
#define DATE_MIN (-719162)
#define DATE_MAX 2932896

void cbrx_tables_release(cbrx_program *p)
{
    for (uint32_t i = 0; p->tables && i < p->ntables; i++) {
        cbrx_dealloc(p, p->tables[i].keys);
        cbrx_dealloc(p, p->tables[i].vals);
        cbrx_dealloc(p, p->tables[i].slots);
    }
    cbrx_dealloc(p, p->tables);
    p->tables = NULL;
    p->ntables = 0;
}

static bool value_type_ok(uint8_t t)
{
    return t == 0 || t == X_INT || t == X_DECIMAL || t == X_MONEY || t == X_STRING || t == X_BOOL ||
           t == X_DATE;
}

bool cbrx_tables_verify(const cbrx_program *p, cbr_error *err)
{
    if (p->ntables > CBRX_MAX_TABLES)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "%u tables; at most %u", p->ntables, CBRX_MAX_TABLES);
    uint64_t rows = 0;
    for (uint32_t i = 0; i < p->ntables; i++) {
        const cbrx_table *t = &p->tables[i];
        if (t->name >= p->nstrings)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u: name is string %u of %u", i, t->name, p->nstrings);
        const char *name = p->bytes + p->strings[t->name].off;
        rows += t->n;
        if (rows > CBRX_MAX_TABLE_ROWS)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): the tables have more than %u rows", i, name,
                             CBRX_MAX_TABLE_ROWS);
        if (t->key != X_INT && t->key != X_STRING)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): keys of type %u; keys are int or string", i,
                             name, t->key);
        if (!value_type_ok(t->value))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): values of type %u", i, name, t->value);
        bool num = t->value == X_DECIMAL || t->value == X_MONEY;
        if (num ? t->scale > CBRDEC_MAX_SCALE : t->scale != 0)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): scale %u", i, name, t->scale);
        if ((t->n && !t->keys) || (t->value && t->n && !t->vals) || (!t->value && t->vals))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): its rows are missing", i, name);
        for (uint32_t j = 0; j < t->n; j++) {
            int64_t k = t->keys[j];
            if (j && t->keys[j - 1] >= k)
                return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`): keys are not sorted and unique at row %u",
                                 i, name, j);
            if (t->key == X_STRING && (k < 0 || k >= p->nstrings))
                return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`), row %u: key is string %lld of %u", i,
                                 name, j, (long long)k, p->nstrings);
            if (!t->value)
                continue;
            int64_t v = t->vals[j];
            bool ok = t->value == X_STRING ? v >= 0 && v < p->nstrings
                    : t->value == X_BOOL   ? v == 0 || v == 1
                    : t->value == X_DATE   ? v >= DATE_MIN && v <= DATE_MAX
                                           : true;
            if (!ok)
                return cbrx_fail(err, CBR_ERR_BUNDLE, "table %u (`%s`), row %u: value %lld is not a valid %s", i,
                                 name, j, (long long)v,
                                 t->value == X_STRING ? "string index" : t->value == X_BOOL ? "bool" : "date");
        }
    }
    return true;
}

bool cbrx_tables_index(cbrx_program *p, cbr_error *err)
{
    for (uint32_t i = 0; i < p->ntables; i++) {
        cbrx_table *t = &p->tables[i];
        if (t->slots)
            continue;
        uint32_t cap = 16;
        while (cap < 2 * (uint64_t)t->n)
            cap *= 2;
        t->slots = cbrx_alloc(p, (size_t)cap * sizeof *t->slots);
        if (!t->slots)
            return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory indexing table `%s`", cbrx_str(p, t->name));
        memset(t->slots, 0xff, (size_t)cap * sizeof *t->slots);
        t->mask = cap - 1;
        for (uint32_t j = 0; j < t->n; j++) {
            uint32_t h = cbrx_table_hash(t->keys[j]) & t->mask;
            while (t->slots[h] != CBRX_NONE)
                h = (h + 1) & t->mask;
            t->slots[h] = j;
        }
    }
    return true;
}
