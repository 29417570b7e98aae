"""protocol.py: cbr-lsp end to end through a scripted JSON-RPC client
(client.py), printing TAP.  A program of two files in one directory,
diagnostics as the author types, hover, definition, references, outline,
completion, a quick fix and formatting; positions past ASCII; then hostile
messages, none of which may stop or crash the server.

    python3 protocol.py CBR-LSP CBRC WORKDIR
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import Server, Tap, uri_of  # noqa: E402

lsp, cbrc, work = sys.argv[1], sys.argv[2], sys.argv[3]
tap = Tap()

SHARED = """field tier: string
let big = amount >= 100.00
campaign "spring" { budget 500.00 USD }
"""
OFFERS = """# offers of the spring campaign
offer "fri-gold" {
    campaign "spring"
    timezone "America/New_York"
    when big and tier == "gold" and weekday == FRY then cashback 10%
}

test "gold on friday" {
    given { tid: "t1", amount: 150.00, currency: "USD", timestamp: 2026-03-13T15:00:00Z, tier: "gold" }
    expect cashback 15.00 from "fri-gold"
}
"""

prog = os.path.join(work, "spring")
os.makedirs(prog, exist_ok=True)
with open(os.path.join(prog, "shared.cbr"), "w") as f:
    f.write(SHARED)
with open(os.path.join(prog, "offers.cbr"), "w") as f:
    f.write(OFFERS)
shared_uri = uri_of(os.path.join(prog, "shared.cbr"))
offers_uri = uri_of(os.path.join(prog, "offers.cbr"))


def pos(text, needle, nth=0, plus=0):
    """The protocol position (UTF-16) of the nth `needle` in text."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += plus
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return {"line": line, "character": len(text[start:at].encode("utf-16-le")) // 2}


def doc(uri, p):
    return {"textDocument": {"uri": uri}, "position": p}


def result(resp):
    return resp.get("result") if resp else None


s = Server(lsp, os.path.join(work, "server.err"))

# ---- the lifecycle ----
r = s.request("initialize", {"processId": None, "rootUri": uri_of(work), "capabilities": {}})
caps = result(r) and r["result"].get("capabilities", {})
tap.check("initialize: the server says what it supports",
          caps and all(caps.get(k) for k in ("hoverProvider", "definitionProvider", "referencesProvider",
                                              "documentSymbolProvider", "completionProvider",
                                              "codeActionProvider", "documentFormattingProvider")), r)
s.notify("initialized", {})

# ---- diagnostics as the author types ----
s.notify("textDocument/didOpen", {"textDocument": {"uri": offers_uri, "languageId": "cbr", "version": 1,
                                                   "text": OFFERS}})
d = s.diagnostics(offers_uri)
fry = pos(OFFERS, "FRY")
want = {"start": fry, "end": {"line": fry["line"], "character": fry["character"] + 3}}
tap.check("didOpen: the error is published with its code, place and hint",
          d and len(d) == 1 and d[0]["code"] == "unknown-name" and d[0]["severity"] == 1 and
          d[0]["range"] == want and "did you mean `FRI`?" in d[0]["message"], d)
tap.check("didOpen: the other file of the program is published too, with no diagnostics",
          s.diagnostics(shared_uri) == [], s.notes[-3:])

# The same codes, positions and messages as `cbrc check`.
chk = subprocess.run([cbrc, "check", os.path.join(prog, "offers.cbr"), os.path.join(prog, "shared.cbr")],
                     capture_output=True, text=True)
tap.check("diagnostics: cbrc check reports the same error at the same place",
          ("offers.cbr:%d:%d: error: " % (fry["line"] + 1, fry["character"] + 1)) +
          d[0]["message"].split("\n")[0] in chk.stdout + chk.stderr, chk.stdout + chk.stderr)

# ---- hover ----
h = result(s.request("textDocument/hover", doc(offers_uri, pos(OFFERS, "big"))))
tap.check("hover on a let of the other file: its declaration and type",
          h and "let big = amount >= 100.00" in h["contents"]["value"] and "`bool`" in h["contents"]["value"], h)
h = result(s.request("textDocument/hover", doc(offers_uri, pos(OFFERS, "weekday", plus=3))))
tap.check("hover on a standard field: its type",
          h and "**weekday** — derived field: `weekday`" in h["contents"]["value"], h)
h = result(s.request("textDocument/hover", doc(offers_uri, pos(OFFERS, "fri-gold"))))
tap.check("hover on an offer: its attributes and campaign",
          h and 'timezone "America/New_York"' in h["contents"]["value"] and
          'campaign "spring"' in h["contents"]["value"], h)
h = result(s.request("textDocument/hover", doc(offers_uri, pos(OFFERS, "# offers"))))
tap.check("hover on a comment: nothing", h is None, h)

# ---- definition and references ----
loc = result(s.request("textDocument/definition", doc(offers_uri, pos(OFFERS, "tier"))))
tap.check("definition of a declared field: the other file",
          loc and loc["uri"] == shared_uri and loc["range"]["start"] == {"line": 0, "character": 6}, loc)
loc = result(s.request("textDocument/definition", doc(offers_uri, pos(OFFERS, '"spring"', plus=2))))
tap.check("definition of a campaign named by an offer",
          loc and loc["uri"] == shared_uri and loc["range"]["start"]["line"] == 2, loc)
loc = result(s.request("textDocument/definition", doc(offers_uri, pos(OFFERS, 'from "fri-gold"', plus=7))))
tap.check("definition of the offer a test expects",
          loc and loc["uri"] == offers_uri and loc["range"]["start"]["line"] == 1, loc)
refs = result(s.request("textDocument/references", dict(doc(shared_uri, {"line": 0, "character": 7}),
                                                         context={"includeDeclaration": True})))
tap.check("references of a field: its declaration, its condition and its test",
          refs and sorted((x["uri"] == shared_uri, x["range"]["start"]["line"]) for x in refs) ==
          [(False, 4), (False, 8), (True, 0)], refs)

# ---- outline ----
syms = result(s.request("textDocument/documentSymbol", {"textDocument": {"uri": offers_uri}}))
tap.check("document symbols: the offer and the test of this file",
          syms and [(x["name"], x["kind"]) for x in syms] == [("fri-gold", 5), ("gold on friday", 6)], syms)
syms = result(s.request("textDocument/documentSymbol", {"textDocument": {"uri": shared_uri}}))
tap.check("document symbols: the field, let and campaign of the other file",
          syms and [x["name"] for x in syms] == ["tier", "big", "spring"], syms)

# ---- completion ----


def labels(p):
    c = result(s.request("textDocument/completion", doc(offers_uri, p)))
    return [i["label"] for i in c["items"]] if c else []


got = labels(pos(OFFERS, "big"))
tap.check("completion in a condition: fields, lets, functions, weekdays, keywords",
          all(x in got for x in ("tier", "big", "merchant", "lower", "FRI", "cashback")), got[:30])
got = labels(pos(OFFERS, "America", plus=3))
tap.check("completion in a timezone string: zone names",
          "America/New_York" in got and "Europe/Paris" in got and "tier" not in got, got[:10])
got = labels(pos(OFFERS, '"spring"', plus=1))
tap.check("completion in a campaign string: the campaigns", got == ["spring"], got)
got = labels(pos(OFFERS, "15.00 ", plus=6))
tap.check("completion after an amount: currency codes", "USD" in got and "EUR" in got, got[:10])

# ---- a quick fix ----
acts = result(s.request("textDocument/codeAction", {"textDocument": {"uri": offers_uri},
                                                    "range": {"start": fry, "end": fry},
                                                    "context": {"diagnostics": d or []}}))
edit = acts and acts[0]["edit"]["changes"][offers_uri][0]
tap.check("code action: the hint's fix replaces the name",
          acts and len(acts) == 1 and acts[0]["kind"] == "quickfix" and edit["newText"] == "FRI" and
          edit["range"] == want, acts)

# The fix, typed: the diagnostics go away.
fixed = OFFERS.replace("FRY", "FRI")
s.notify("textDocument/didChange", {"textDocument": {"uri": offers_uri, "version": 2},
                                    "contentChanges": [{"text": fixed}]})
s.settle()
tap.check("didChange: the fixed text has no diagnostics", s.diagnostics(offers_uri) == [], s.notes[-2:])
h = result(s.request("textDocument/hover", doc(offers_uri, pos(fixed, "FRI"))))
tap.check("hover after the change: the weekday", h and "**FRI** — weekday" in h["contents"]["value"], h)

# A change to the other file reaches this one: the let it names is gone.
s.notify("textDocument/didOpen", {"textDocument": {"uri": shared_uri, "languageId": "cbr", "version": 1,
                                                   "text": SHARED.replace("let big", "let large")}})
d = s.diagnostics(offers_uri)
s.settle()
d = s.diagnostics(offers_uri)
tap.check("a change in one file is checked with the others",
          d and d[0]["code"] == "unknown-name" and "did you mean `large`?" not in d[0]["message"] and
          d[0]["range"]["start"] == pos(fixed, "big"), d)
s.notify("textDocument/didClose", {"textDocument": {"uri": shared_uri}})
s.settle()
tap.check("didClose: the file on disk counts again", s.diagnostics(offers_uri) == [], s.notes[-2:])

# ---- formatting ----
fmtdir = os.path.join(work, "fmt")
os.makedirs(fmtdir, exist_ok=True)
ugly_path = os.path.join(fmtdir, "f.cbr")
UGLY = 'offer "x"{when amount>=10.00   and merchant=="a" then cashback 5%}\nlet unused_here=1\n'
with open(ugly_path, "w") as f:
    f.write(UGLY)
ugly_uri = uri_of(ugly_path)
s.notify("textDocument/didOpen", {"textDocument": {"uri": ugly_uri, "languageId": "cbr", "version": 1,
                                                   "text": UGLY}})
edits = result(s.request("textDocument/formatting", {"textDocument": {"uri": ugly_uri},
                                                     "options": {"tabSize": 4, "insertSpaces": True}}))
want_fmt = subprocess.run([cbrc, "fmt", ugly_path], capture_output=True, text=True).stdout
tap.check("formatting: one edit to the text cbrc fmt prints",
          edits and len(edits) == 1 and edits[0]["newText"] == want_fmt and
          edits[0]["range"] == {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}},
          (edits, want_fmt))
s.notify("textDocument/didChange", {"textDocument": {"uri": ugly_uri, "version": 2},
                                    "contentChanges": [{"text": want_fmt}]})
edits = result(s.request("textDocument/formatting", {"textDocument": {"uri": ugly_uri}, "options": {}}))
tap.check("formatting formatted text: no edits", edits == [], edits)
s.notify("textDocument/didChange", {"textDocument": {"uri": ugly_uri, "version": 3},
                                    "contentChanges": [{"text": 'offer "x" { when then }'}]})
r = s.request("textDocument/formatting", {"textDocument": {"uri": ugly_uri}, "options": {}})
tap.check("formatting a text with syntax errors: left alone", r and r.get("result", 1) is None, r)

# ---- positions past ASCII: UTF-16 on the wire ----
udir = os.path.join(work, "unicode")
os.makedirs(udir, exist_ok=True)
UNI = 'offer "caf\u00e9-\U0001F389" { when merchant == "caf\u00e9 \U0001F389" and amont > 1 then cashback 5% }\n'
uni_uri = uri_of(os.path.join(udir, "u.cbr"))
s.notify("textDocument/didOpen", {"textDocument": {"uri": uni_uri, "languageId": "cbr", "version": 1,
                                                   "text": UNI}})
d = s.diagnostics(uni_uri)
tap.check("a diagnostic after an emoji is placed in UTF-16 code units",
          d and d[0]["range"]["start"] == pos(UNI, "amont") and
          d[0]["range"]["end"]["character"] == pos(UNI, "amont")["character"] + 5, d)
h = result(s.request("textDocument/hover", doc(uni_uri, pos(UNI, "merchant", plus=2))))
tap.check("hover after an emoji finds the name under the cursor",
          h and "**merchant**" in h["contents"]["value"], (pos(UNI, "merchant", plus=2), h))

# ---- hostile messages ----
s.settle()


def raw_error(data, name, code=None):
    s.send_raw(data)
    r = s.take()
    tap.check(name, r is not None and "error" in r and (code is None or r["error"]["code"] == code), r)


raw_error(b"Content-Length: 5\r\n\r\n{bad}", "malformed JSON: a parse error", -32700)
raw_error(b"Content-Length: 5\r\n\r\n[1,2]", "JSON that is not an object: an invalid request", -32600)
raw_error(b"Content-Length: -3\r\n\r\n", "a negative Content-Length: an error", -32700)
raw_error(b"Content-Type: x\r\n\r\n", "a header without Content-Length: an error", -32700)
raw_error(b"garbage line\r\nContent-Length: 2\r\n\r\n{}", "a bad header line: the message is skipped", -32700)
deep = b"[" * 100000 + b"]" * 100000
raw_error(b"Content-Length: %d\r\n\r\n" % len(deep) + deep, "100,000 nested arrays: refused", -32700)
r = s.request("no/such/method", {})
tap.check("an unknown method: method not found", r and r.get("error", {}).get("code") == -32601, r)
r = s.request("textDocument/hover", "not an object")
tap.check("params that are not an object: invalid params", r and r.get("error", {}).get("code") == -32602, r)
r = s.request("textDocument/hover", doc(offers_uri, {"line": 10 ** 12, "character": -5}))
tap.check("a position out of range: an answer, not a crash", r is not None and "result" in r, r)
r = s.request("textDocument/hover", {"textDocument": {"uri": 42}, "position": "x"})
tap.check("a request with the wrong types: an answer", r is not None and r.get("result", 1) is None, r)
r = s.request("textDocument/definition", doc("untitled:Untitled-1", {"line": 0, "character": 0}))
tap.check("a document the server never saw: null", r is not None and r.get("result", 1) is None, r)
s.notify("textDocument/didOpen", {"textDocument": {"uri": offers_uri}})
s.notify("textDocument/didChange", {"textDocument": {"uri": offers_uri}, "contentChanges": "x"})
r = s.request("textDocument/hover", doc(offers_uri, pos(fixed, "FRI")))
tap.check("changes without a text are ignored", result(r) is not None, r)

# An unsaved document of another scheme is a program of its own.
s.notify("textDocument/didOpen", {"textDocument": {"uri": "untitled:Untitled-2", "languageId": "cbr",
                                                   "version": 1, "text": "let x = amont\n"}})
d = s.diagnostics("untitled:Untitled-2")
tap.check("an untitled document is checked alone", d and d[0]["code"] == "unknown-name", d)

big_text = "# padding\n" * (17 * 1024 * 1024 // 10 + 1)
big_uri = uri_of(os.path.join(work, "big", "big.cbr"))
s.notify("textDocument/didOpen", {"textDocument": {"uri": big_uri, "languageId": "cbr", "version": 1,
                                                   "text": big_text}})
d = s.diagnostics(big_uri, timeout=120)
tap.check("a document over the source limit of 16 MiB: one diagnostic that says so",
          d and len(d) == 1 and d[0]["code"] == "limit-source-size", d)
many = "".join('offer "o%d" { when merchant == "m%d" then cashback 1%% }\n' % (i, i) for i in range(5000))
many_uri = uri_of(os.path.join(work, "many", "many.cbr"))
s.notify("textDocument/didOpen", {"textDocument": {"uri": many_uri, "languageId": "cbr", "version": 1,
                                                   "text": many}})
d = s.diagnostics(many_uri, timeout=120)
syms = result(s.request("textDocument/documentSymbol", {"textDocument": {"uri": many_uri}}, timeout=120))
tap.check("a document of 5,000 offers: checked, and all in its outline", d == [] and syms and len(syms) == 5000,
          (d, len(syms or [])))

tap.check("the server is still alive after all of it", s.alive())
r = s.request("shutdown", None)
tap.check("shutdown: null", r is not None and r.get("result", 1) is None, r)
r = s.request("textDocument/hover", doc(offers_uri, pos(fixed, "FRI")))
tap.check("a request after shutdown: an error", r and r.get("error", {}).get("code") == -32600, r)
s.notify("exit", None)
tap.check("exit after shutdown: status 0", s.close() == 0)

# Before initialize, and an exit without shutdown.
s = Server(lsp, os.path.join(work, "server2.err"))
r = s.request("textDocument/hover", doc(offers_uri, {"line": 0, "character": 0}))
tap.check("a request before initialize: not initialized", r and r.get("error", {}).get("code") == -32002, r)
s.notify("exit", None)
tap.check("exit without shutdown: status 1", s.close() == 1)

# A message that claims more than the limit, then the end of input.
s = Server(lsp, os.path.join(work, "server3.err"))
s.send_raw(b"Content-Length: 99999999999\r\n\r\n{}")
tap.check("a message past the limit, then the end of input: the server ends cleanly", s.close() == 1)

sys.exit(tap.done())
