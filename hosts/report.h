/* report.h: `cbrc run --report FILE.html`, the page a budget is approved
 * from: one self-contained HTML file (inline CSS and SVG, no script, no
 * network) drawn from the run's summary (summary.h), which is aggregated
 * while the run goes, so the page stays small whatever the input. */
#ifndef CBR_HOSTS_REPORT_H
#define CBR_HOSTS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "hosts/summary.h"

/* What the page says the run was made of. */
typedef struct cbrc_report_info {
    const char *input;          /* the input's name as given */
    long long input_size;       /* bytes; 0 when unknown (a pipe) */
    const char *bundle;         /* the rules' content hash (cbr_program_hash) */
    const char *const *rules;   /* the rule files given */
    int nrules;
} cbrc_report_info;

/* Writes the page to f. */
void cbrc_report_write(FILE *f, cbrc_summary *s, cbr_context *ctx, const cbrc_counts *n,
                       const cbrc_report_info *info);
/* Writes it to path, replacing the file whole or not at all; false with the
 * reason printed. */
bool cbrc_report_save(const char *path, cbrc_summary *s, cbr_context *ctx, const cbrc_counts *n,
                      const cbrc_report_info *info);

#endif
