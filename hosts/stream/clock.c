/* clock.c: the one clock of cbr-stream's timers (batch windows, reload
 * checks, vesting, lease renewals): monotonic, so a clock step never fires
 * or starves one. */
#include "config.h"
#include <time.h>
#include "hosts/stream/stream.h"

int64_t stream_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
