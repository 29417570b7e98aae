/* award_line.h: the one JSON line of an award, reversal or vest, as
 * `cbrc run`, `cbrc vest` and cbr-stream write it (award_line.c):
 *     {"tid":"t1","offer":"o","cashback":"2.00","currency":"USD","event":"award",
 *      "award_id":"t1/o","user_id":"u1","campaign":"c"}
 * with "status":"pending","vests":"YYYY-MM-DD" after "event" for a pending
 * award and "original_tid" for a reversal (whose tid is the refund's). */
#ifndef CBR_HOSTS_AWARD_LINE_H
#define CBR_HOSTS_AWARD_LINE_H

#include "include/cbr.h"
#include "stdlib/textbuf.h"

/* Appends the line of a, its newline included. */
void haward_line(cbrtb *b, const cbr_award *a);

#endif
