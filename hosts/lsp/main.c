/* cbr-lsp: the language server of the cbr rules language.
 *
 *     cbr-lsp            serve one editor over stdin and stdout
 *     cbr-lsp --version
 *
 * Reads one message at a time and answers it before the next, so the
 * answers follow the edits in order.  Nothing a client sends stops it but
 * `exit` or the end of its input: an unreadable message gets a JSON-RPC
 * error, an unknown request `method not found`, and what it says about
 * itself goes to stderr (the editor's log). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/lsp/lsp.h"

enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_NOT_INITIALIZED = -32002
};

static void initialize(lsp_server *s, yajl_val id)
{
    cbrtb b = {0};
    lsp_begin_result(&b, id);
    cbrtb_puts(&b, "{\"capabilities\":{"
                   "\"positionEncoding\":\"utf-16\","
                   "\"textDocumentSync\":{\"openClose\":true,\"change\":1,\"save\":{\"includeText\":false}},"
                   "\"hoverProvider\":true,\"definitionProvider\":true,\"referencesProvider\":true,"
                   "\"documentSymbolProvider\":true,"
                   "\"completionProvider\":{\"triggerCharacters\":[\"\\\"\"]},"
                   "\"codeActionProvider\":{\"codeActionKinds\":[\"quickfix\"]},"
                   "\"documentFormattingProvider\":true},"
                   "\"serverInfo\":{\"name\":\"cbr-lsp\",\"version\":\"" PACKAGE_VERSION "\"}}");
    lsp_end(&b);
    lsp_write(s->out, &b);
    cbrtb_free(&b);
    s->initialized = true;
}

static void recheck(lsp_server *s, const char *uri)
{
    lsp_prog *p = lsp_program(s, uri, true);
    if (p)
        lsp_publish(s, p);
}

/* didOpen and didChange: the document's whole text (full sync). */
static void set_text(lsp_server *s, yajl_val params, bool open)
{
    yajl_val doc = lsp_get(params, "textDocument");
    const char *uri = lsp_get_str(doc, "uri");
    const char *text = open ? lsp_get_str(doc, "text") : NULL;
    if (!open) {
        yajl_val changes = lsp_get(params, "contentChanges");
        if (changes && YAJL_IS_ARRAY(changes) && changes->u.array.len > 0)
            text = lsp_get_str(changes->u.array.values[changes->u.array.len - 1], "text");
    }
    if (!uri || !text) {
        fprintf(stderr, "cbr-lsp: a document change without a uri or a text is ignored\n");
        return;
    }
    if (!lsp_doc_set(s, uri, text, strlen(text))) {
        fprintf(stderr, "cbr-lsp: out of memory for %s\n", uri);
        return;
    }
    recheck(s, uri);
}

static void notification(lsp_server *s, const char *method, yajl_val params)
{
    yajl_val doc = lsp_get(params, "textDocument");
    if (strcmp(method, "textDocument/didOpen") == 0) {
        set_text(s, params, true);
    } else if (strcmp(method, "textDocument/didChange") == 0) {
        set_text(s, params, false);
    } else if (strcmp(method, "textDocument/didClose") == 0) {
        const char *uri = lsp_get_str(doc, "uri");
        if (uri) {
            lsp_doc_close(s, uri);
            recheck(s, uri);
        }
    } else if (strcmp(method, "textDocument/didSave") == 0) {
        const char *uri = lsp_get_str(doc, "uri");
        if (uri)
            recheck(s, uri);
    } else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0) {
        yajl_val changes = lsp_get(params, "changes");
        for (size_t i = 0; changes && YAJL_IS_ARRAY(changes) && i < changes->u.array.len; i++) {
            const char *uri = lsp_get_str(changes->u.array.values[i], "uri");
            if (uri)
                recheck(s, uri);
        }
    }
    /* initialized, $/cancelRequest, $/setTrace and the rest need nothing. */
}

typedef void (*handler)(lsp_server *s, yajl_val id, yajl_val params);

static const struct {
    const char *method;
    handler fn;
} requests[] = {
    {"textDocument/hover", lsp_hover},
    {"textDocument/definition", lsp_definition},
    {"textDocument/references", lsp_references},
    {"textDocument/documentSymbol", lsp_document_symbols},
    {"textDocument/completion", lsp_completion},
    {"textDocument/codeAction", lsp_code_action},
    {"textDocument/formatting", lsp_formatting},
};

static void request(lsp_server *s, const char *method, yajl_val id, yajl_val params)
{
    if (strcmp(method, "initialize") == 0) {
        initialize(s, id);
        return;
    }
    if (!s->initialized) {
        lsp_error(s->out, id, RPC_NOT_INITIALIZED, "the server is not initialized");
        return;
    }
    if (s->shutdown) {
        lsp_error(s->out, id, RPC_INVALID_REQUEST, "the server is shutting down");
        return;
    }
    if (strcmp(method, "shutdown") == 0) {
        s->shutdown = true;
        cbrtb b = {0};
        lsp_begin_result(&b, id);
        cbrtb_puts(&b, "null");
        lsp_end(&b);
        lsp_write(s->out, &b);
        cbrtb_free(&b);
        return;
    }
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
        if (strcmp(method, requests[i].method) == 0) {
            if (params && !YAJL_IS_OBJECT(params)) {
                lsp_error(s->out, id, RPC_INVALID_PARAMS, "params must be an object");
                return;
            }
            requests[i].fn(s, id, params);
            return;
        }
    char msg[200];
    snprintf(msg, sizeof msg, "method not found: %.120s", method);
    lsp_error(s->out, id, RPC_METHOD_NOT_FOUND, msg);
}

/* Whether a JSON text nests deeper than the protocol ever needs: the
 * parser's tree is freed recursively, so a hostile depth would exhaust the
 * stack.  Brackets inside strings do not count. */
static bool too_deep(const char *s, size_t n)
{
    unsigned depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '[' || ch == '{') {
            if (++depth > LSP_MAX_DEPTH)
                return true;
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return false;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--version") == 0) {
            printf("cbr-lsp %s\n", PACKAGE_VERSION);
            return 0;
        }
        fprintf(stderr, "usage: cbr-lsp\n"
                        "  serves the Language Server Protocol over stdin and stdout;\n"
                        "  an editor starts it (doc/editors.md)\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    lsp_server s = {.in = stdin, .out = stdout};
    int code = 1; /* `exit` without `shutdown`, or the end of input */
    for (;;) {
        char *body, why[200] = "";
        size_t len;
        int r = lsp_read(s.in, &body, &len, why, sizeof why);
        if (r == 0)
            break;
        if (r < 0) {
            fprintf(stderr, "cbr-lsp: %s\n", why);
            lsp_error(s.out, NULL, RPC_PARSE_ERROR, why);
            continue;
        }
        char errbuf[256] = "";
        yajl_val msg = NULL;
        if (too_deep(body, len))
            snprintf(errbuf, sizeof errbuf, "nested deeper than %u levels", LSP_MAX_DEPTH);
        else
            msg = yajl_tree_parse(body, errbuf, sizeof errbuf);
        free(body);
        if (!msg || !YAJL_IS_OBJECT(msg)) {
            char *nl = strchr(errbuf, '\n');
            if (nl)
                *nl = '\0';
            char m[320];
            snprintf(m, sizeof m, "not a JSON-RPC message%s%s", errbuf[0] ? ": " : "", errbuf);
            fprintf(stderr, "cbr-lsp: %s\n", m);
            lsp_error(s.out, NULL, msg ? RPC_INVALID_REQUEST : RPC_PARSE_ERROR, m);
            yajl_tree_free(msg);
            continue;
        }
        const char *method = lsp_get_str(msg, "method");
        yajl_val id = lsp_get(msg, "id");
        yajl_val params = lsp_get(msg, "params");
        if (!method) {
            if (!id) /* a response to a request of ours carries an id; this has neither */
                lsp_error(s.out, NULL, RPC_INVALID_REQUEST, "a message without a method");
        } else if (strcmp(method, "exit") == 0) {
            code = s.shutdown ? 0 : 1;
            yajl_tree_free(msg);
            break;
        } else if (id) {
            request(&s, method, id, params);
        } else if (s.initialized) {
            notification(&s, method, params);
        }
        yajl_tree_free(msg);
    }
    lsp_server_free(&s);
    return code;
}
