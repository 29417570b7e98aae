"""report_check.py: what tests/report.sh checks of an HTML report.

    python3 report_check.py dom DOM.html SUMMARY.json      numbers on the page
    python3 report_check.py png SHOT.png                   the screenshot is not blank
    python3 report_check.py alone REPORT.html              no script, nothing fetched

Prints one line a problem and exits 1 when there is any.
"""
import html.parser
import json
import struct
import sys
import zlib


class Marks(html.parser.HTMLParser):
    """The text of every element with a data-k attribute (data-v when set)."""

    def __init__(self):
        super().__init__()
        self.vals = {}
        self.stack = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-k" in a:
            self.stack.append([a["data-k"], a.get("data-v"), ""])
        else:
            self.stack.append(None)

    def handle_endtag(self, tag):
        while self.stack:
            top = self.stack.pop()
            if top is not None:
                key, v, text = top
                self.vals[key] = v if v is not None else text
                if self.stack and self.stack[-1] is not None:
                    self.stack[-1][2] += text
            break

    def handle_data(self, data):
        for item in reversed(self.stack):
            if item is not None:
                item[2] += data
                break


def cash_text(cash):
    return " + ".join("%s %s" % (v, k) for k, v in cash.items()) if cash else "0"


def check_dom(dom, summary):
    m = Marks()
    m.feed(open(dom, encoding="utf-8").read())
    s = json.load(open(summary))
    want = {k: str(s[k]) for k in ("records", "evaluated", "rejected", "earning", "awards")}
    want["cashback_paid_now"] = cash_text(s["cashback_paid_now"])
    for kind, rows in (("offer", s["offers"]), ("campaign", s["campaigns"])):
        for r in rows:
            want["%s/%s/awards" % (kind, r["id"])] = str(r["awards"])
            want["%s/%s/customers" % (kind, r["id"])] = str(r["customers"])
            want["%s/%s/cashback" % (kind, r["id"])] = cash_text(r["cashback"])
    for reason, n in s["rejected_by_reason"].items():
        want["rejected/" + reason] = str(n)
    bad = ["%s: the page says %r, the summary %r" % (k, m.vals.get(k), v)
           for k, v in sorted(want.items()) if m.vals.get(k) != v]
    extra = [k for k in m.vals if k.startswith(("offer/", "campaign/", "rejected/")) and
             k.rsplit("/", 1)[-1] != "budget_left" and k not in want]
    bad += ["%s: on the page but not in the summary" % k for k in extra]
    return bad


def check_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return ["not a PNG"]
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        return ["a PNG of depth %d, colour type %d: not read here" % (depth, ctype)]
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    colours, inked = set(), 0
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp * 4):  # every fourth pixel is enough
            px = bytes(line[x:x + 3])
            colours.add(px)
            inked += px != b"\xff\xff\xff"
        prev = line
    share = inked / float(h * ((w + 3) // 4))
    bad = []
    if share < 0.02:
        bad.append("only %.2f%% of the screenshot is not white" % (100 * share))
    if len(colours) < 8:
        bad.append("only %d colours in the screenshot" % len(colours))
    return bad


def check_alone(path):
    text = open(path, encoding="utf-8").read().lower()
    return ["the page has %r" % w for w in ("<script", "http:", "https:", "src=", "<link", "@import", "url(")
            if w in text]


what = sys.argv[1]
problems = check_dom(sys.argv[2], sys.argv[3]) if what == "dom" else \
    check_png(sys.argv[2]) if what == "png" else check_alone(sys.argv[2])
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
