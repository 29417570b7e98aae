/* replay.c: a fuzz target without libFuzzer, for `make check` with any
 * compiler (LLVM's StandaloneFuzzTargetMain pattern).  Each input is passed
 * once to LLVMFuzzerTestOneInput; a crash, a sanitizer report or a broken
 * invariant (which aborts) fails the test.
 *
 *   replay_NAME FILE...    the named files
 *   replay_NAME            every file of $CBR_SRCDIR/tests/fuzz/NAME (the
 *                          inputs of past crashes) and fuzz/corpus/NAME
 *
 * Prints TAP, one result per input. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef FUZZ_NAME
#error "FUZZ_NAME names the target"
#endif

typedef struct list {
    char **v;
    size_t n, cap;
} list;

static void add(list *l, const char *dir, const char *name)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (!l->v) {
            puts("Bail out! out of memory");
            exit(1);
        }
    }
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) {
        puts("Bail out! out of memory");
        exit(1);
    }
    snprintf(p, n, "%s%s%s", dir, *dir ? "/" : "", name);
    l->v[l->n++] = p;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the regular files of dir, sorted, skipping dot files and READMEs. */
static void add_dir(list *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t first = l->n;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && strncmp(e->d_name, "README", 6) != 0)
            add(l, dir, e->d_name);
    closedir(d);
    qsort(l->v + first, l->n - first, sizeof *l->v, by_name);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        unsigned char *q = realloc(b, cap * 2);
        if (!q) {
            free(b);
            b = NULL;
            break;
        }
        b = q;
        cap *= 2;
    }
    if (b && ferror(f)) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = n;
    return b;
}

int main(int argc, char **argv)
{
    list l = {0};
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            add(&l, "", argv[i]);
    } else {
        const char *src = getenv("CBR_SRCDIR");
        if (!src)
            src = ".";
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/tests/fuzz/%s", src, FUZZ_NAME);
        add_dir(&l, dir);
        snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", src, FUZZ_NAME);
        add_dir(&l, dir);
    }
    printf("1..%zu\n", l.n);
    int failed = 0;
    for (size_t i = 0; i < l.n; i++) {
        size_t len = 0;
        unsigned char *data = slurp(l.v[i], &len);
        if (!data) {
            printf("not ok %zu - %s: cannot read it\n", i + 1, l.v[i]);
            failed = 1;
        } else {
            /* An abort or a sanitizer report ends the process here, and the
             * missing results fail the plan. */
            fflush(stdout);
            LLVMFuzzerTestOneInput(data, len);
            printf("ok %zu - %s (%zu bytes)\n", i + 1, l.v[i], len);
        }
        free(data);
        free(l.v[i]);
    }
    free(l.v);
    return failed;
}
