/* rpc.c: JSON-RPC messages with the protocol's framing: a header block of
 * `Name: value` lines ended by an empty line, of which Content-Length is
 * the one that counts, then exactly that many bytes of JSON.  A message
 * that cannot be read is skipped whole, so one bad message never stops the
 * server or desynchronises the stream. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hosts/json.h"
#include "hosts/lsp/lsp.h"

/* Reads one header line (without its CR LF) into buf; false at end of input. */
static bool read_line(FILE *in, char *buf, size_t cap, bool *too_long)
{
    size_t n = 0;
    int ch;
    *too_long = false;
    while ((ch = getc(in)) != EOF) {
        if (ch == '\n') {
            if (n > 0 && buf[n - 1] == '\r')
                n--;
            buf[n] = '\0';
            return true;
        }
        if (n + 1 < cap)
            buf[n++] = (char)ch;
        else
            *too_long = true;
    }
    buf[n] = '\0';
    return n > 0;
}

int lsp_read(FILE *in, char **body, size_t *len, char *why, size_t whylen)
{
    char line[1024];
    bool too_long, have_length = false, bad = false, any = false;
    unsigned long long length = 0;
    *body = NULL;
    *len = 0;
    for (;;) {
        if (!read_line(in, line, sizeof line, &too_long))
            return 0;
        if (line[0] == '\0') {
            if (!any)
                continue; /* blank lines between messages */
            break;
        }
        any = true;
        if (strncasecmp(line, "Content-Length:", 15) == 0) {
            char *end;
            const char *v = line + 15;
            while (*v == ' ' || *v == '\t')
                v++;
            length = strtoull(v, &end, 10);
            if (end == v || *end != '\0' || *v == '-') {
                bad = true;
                snprintf(why, whylen, "bad Content-Length header: %.80s", line);
            } else {
                have_length = true;
            }
        } else if (too_long || !strchr(line, ':')) {
            bad = true;
            snprintf(why, whylen, "bad header line: %.80s", line);
        }
    }
    if (!have_length) {
        if (!bad)
            snprintf(why, whylen, "a message without Content-Length");
        return -1;
    }
    if (length > LSP_MAX_MESSAGE) {
        /* Read past it so the next message is found where it starts. */
        for (unsigned long long k = 0; k < length; k++)
            if (getc(in) == EOF)
                return 0;
        snprintf(why, whylen, "a message of %llu bytes is longer than the limit of %u", length,
                 LSP_MAX_MESSAGE);
        return -1;
    }
    char *b = malloc((size_t)length + 1);
    if (!b) {
        for (unsigned long long k = 0; k < length; k++)
            if (getc(in) == EOF)
                return 0;
        snprintf(why, whylen, "out of memory for a message of %llu bytes", length);
        return -1;
    }
    size_t got = fread(b, 1, (size_t)length, in);
    if (got < length) {
        free(b);
        return 0;
    }
    b[length] = '\0';
    if (bad) {
        free(b);
        return -1;
    }
    *body = b;
    *len = (size_t)length;
    return 1;
}

void lsp_write(FILE *out, const cbrtb *b)
{
    if (b->oom || !b->p)
        return;
    fprintf(out, "Content-Length: %zu\r\n\r\n", b->n);
    fwrite(b->p, 1, b->n, out);
    fflush(out);
}

yajl_val lsp_get(yajl_val v, const char *key)
{
    if (!v || !YAJL_IS_OBJECT(v))
        return NULL;
    for (size_t i = 0; i < v->u.object.len; i++)
        if (strcmp(v->u.object.keys[i], key) == 0)
            return v->u.object.values[i];
    return NULL;
}

const char *lsp_get_str(yajl_val v, const char *key)
{
    yajl_val s = lsp_get(v, key);
    return s && YAJL_IS_STRING(s) ? s->u.string : NULL;
}

long long lsp_get_int(yajl_val v, const char *key, long long dflt)
{
    yajl_val n = lsp_get(v, key);
    return n && YAJL_IS_INTEGER(n) ? n->u.number.i : dflt;
}

void lsp_put_str(cbrtb *b, const char *s)
{
    if (s)
        lsp_put_strn(b, s, strlen(s));
    else
        cbrtb_puts(b, "null");
}

void lsp_put_id(cbrtb *b, yajl_val id)
{
    cbrtb_puts(b, "\"id\":");
    if (id && YAJL_IS_INTEGER(id))
        cbrtb_printf(b, "%lld", id->u.number.i);
    else if (id && YAJL_IS_STRING(id))
        lsp_put_str(b, id->u.string);
    else
        cbrtb_puts(b, "null");
}

void lsp_begin_result(cbrtb *b, yajl_val id)
{
    cbrtb_puts(b, "{\"jsonrpc\":\"2.0\",");
    lsp_put_id(b, id);
    cbrtb_puts(b, ",\"result\":");
}

void lsp_end(cbrtb *b)
{
    cbrtb_puts(b, "}");
}

void lsp_error(FILE *out, yajl_val id, int code, const char *message)
{
    cbrtb b = {0};
    cbrtb_puts(&b, "{\"jsonrpc\":\"2.0\",");
    lsp_put_id(&b, id);
    cbrtb_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
    lsp_put_str(&b, message);
    cbrtb_puts(&b, "}}");
    lsp_write(out, &b);
    cbrtb_free(&b);
}
