/* lines.c: cbr-bench-lines FILE: the floor under reading a transaction
 * file, for `make bench-run`: the file read with read() in 1 MiB chunks and
 * its newlines counted with memchr, nothing else.  Prints the lines and
 * the best of three passes' seconds (CLOCK_MONOTONIC). */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cbr-bench-lines FILE\n");
        return 2;
    }
    static char buf[1 << 20];
    double best = -1;
    unsigned long long lines = 0;
    for (int pass = 0; pass < 3; pass++) {
        int fd = open(argv[1], O_RDONLY);
        if (fd < 0) {
            perror(argv[1]);
            return 1;
        }
        double t0 = now();
        lines = 0;
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            for (const char *p = buf, *end = buf + n; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
                lines++;
        double t = now() - t0;
        close(fd);
        if (n < 0) {
            perror(argv[1]);
            return 1;
        }
        if (best < 0 || t < best)
            best = t;
    }
    printf("%llu %.6f\n", lines, best);
    return 0;
}
