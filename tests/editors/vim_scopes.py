"""vim_scopes.py: checks what tests/editors/vim.lua saw.  Every file is of
filetype cbr; with a scanner of its own that knows only where comments,
strings and words are, every comment character is in cbrComment, every
string character in cbrString (or an escape in it), every reserved word in
a cbr keyword group and every number in a number, date or percent group.
A fixed snippet's tokens are checked by name.  Prints TAP.

    python3 vim_scopes.py SEEN SNIPPET
"""
import re
import sys

RESERVED = set(("when then and or not in between cashback up to valid offer campaign field let extern fn test "
                "given expect from no true false title timezone priority exclusive limit per budget rounding "
                "table tally refund vest").split())
KEYWORD_GROUPS = {"cbrDeclaration", "cbrControl", "cbrOperatorWord", "cbrAttribute", "cbrBoolean"}
NUMBER_GROUPS = {"cbrNumber", "cbrPercent", "cbrDate"}

seen, snippet = sys.argv[1], sys.argv[2]
groups = {}
filetypes = {}
for row in open(seen, encoding="utf-8"):
    parts = row.rstrip("\n").split("\t")
    if parts[1] == "filetype":
        filetypes[parts[0]] = parts[2] if len(parts) > 2 else ""
    else:
        groups[(parts[0], int(parts[1]), int(parts[2]))] = parts[3]

n = failed = 0


def check(name, ok, detail=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, name))
    if not ok:
        failed += 1
        for line in str(detail).splitlines()[:30]:
            print("# " + line)


def scan(line):
    """(column, kind, word) of each comment/string character and word start."""
    i, out = 0, []
    while i < len(line):
        ch = line[i]
        if ch == "#":
            out += [(k, "c", "") for k in range(i, len(line))]
            break
        if ch == '"':
            out.append((i, "s", ""))
            i += 1
            while i < len(line) and line[i] != '"':
                if line[i] == "\\":
                    out.append((i, "s", ""))
                    i += 1
                if i < len(line):
                    out.append((i, "s", ""))
                    i += 1
            if i < len(line):
                out.append((i, "s", ""))
                i += 1
            continue
        m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", line[i:])
        if m:
            out.append((i, "w", m.group(0)))
            i += len(m.group(0))
            continue
        m = re.match(r"[0-9][0-9_.:TZ+%-]*", line[i:])
        if m:
            out.append((i, "d", ""))
            i += len(m.group(0))
            continue
        i += 1
    return out


# Columns are bytes in Vim; the files here are checked as UTF-8 bytes too.
for file, ft in sorted(filetypes.items()):
    bad = [] if ft == "cbr" else ["filetype is %r" % ft]
    for ln, text in enumerate(open(file, encoding="utf-8").read().split("\n"), 1):
        raw = text.encode("utf-8")
        for col, kind, word in scan(raw.decode("latin-1")):
            g = groups.get((file, ln, col + 1), "-")
            where = "%s:%d:%d" % (file.split("/")[-1], ln, col + 1)
            if kind == "c" and g != "cbrComment":
                bad.append("%s: comment in %s" % (where, g))
            elif kind == "s" and g not in ("cbrString", "cbrEscape"):
                bad.append("%s: string in %s" % (where, g))
            elif kind == "d" and g not in NUMBER_GROUPS:
                bad.append("%s: number in %s" % (where, g))
            elif kind == "w" and word in RESERVED and g not in KEYWORD_GROUPS:
                bad.append("%s: `%s` in %s" % (where, word, g))
    check("%s: filetype cbr; comments, strings, numbers and reserved words highlighted" %
          "/".join(file.split("/")[-2:]), not bad, "\n".join(bad))

lines = open(snippet, encoding="utf-8").read().split("\n")
want = [(1, "field", "cbrDeclaration"), (1, "string", "cbrType"), (1, "# a", "cbrComment"),
        (2, "offer", "cbrDeclaration"), (2, '"fri-10"', "cbrString"),
        (3, "limit", "cbrAttribute"), (3, "50.00", "cbrNumber"), (3, "USD", "cbrCurrency"),
        (3, "user", "cbrAttribute"), (3, "month", "cbrAttribute"),
        (4, "when", "cbrControl"), (4, "==", "cbrOperator"), (4, "FRI", "cbrWeekday"),
        (4, "and", "cbrOperatorWord"), (4, "lower", "cbrFunction"), (4, '\\"', "cbrEscape"),
        (4, "10%", "cbrPercent"), (5, "2026-12-31T23:59:59Z", "cbrDate")]
bad = []
for ln, tok, group in want:
    col = lines[ln - 1].index(tok) + 1
    for k in range(col, col + len(tok)):
        g = groups.get((snippet, ln, k), "-")
        if g != group:
            bad.append("line %d `%s`: %s (want %s)" % (ln, tok, g, group))
            break
check("a snippet: each kind of token has its group", not bad, "\n".join(bad))
print("1..%d" % n)
sys.exit(1 if failed else 0)
