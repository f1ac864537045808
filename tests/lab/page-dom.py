#!/usr/bin/env python3
"""page-dom.py - the facts tests/integration/page.sh asserts, read from the DOM
a browser rendered (chromium --dump-dom) of the status page, one per line:

  title TEXT                      the document's title
  elements TAG N                  how many TAG elements exist (img, script, ...)
  error hidden | error TEXT       the page's error line (#err)
  body CLASS                      the body's class ("stale" after a failed
                                  update; "-" for none)
  router STATE                    the router's badge (reachable/unreachable)
  service NAME STATE              a row of the services table
  probe SERVICE/NAME STATE        a probe row under its service
  prefix P DESIRED ACTUAL ADMIN   a row of the prefixes table
  sessions P CLASS: TEXT          its sessions cell (class "sessions" or
                                  "sessions warn")
  session NAME ESTABLISHED        a row of the router's BGP sessions
  transition SUBJECT FROM TO      a tick in the timeline SVG
  segment SUBJECT STATE           a bar in the timeline SVG
  text TEXT                       a text node holding '<' or '>' (outside
                                  the page's own script and style)

Usage: page-dom.py DUMPED.html
"""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}
COUNTED = ("img", "script", "iframe", "object", "embed", "style", "svg", "b")


class Facts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []         # (tag, attrs) of the open elements
        self.counts = {t: 0 for t in COUNTED}
        self.out = []
        self.title = ""
        self.err = None         # (hidden, text)
        self.router = None
        self.lane = None
        self.row_prefix = None
        self.cell = None        # [fact, text] of the sessions cell being read

    def inside(self, pred):
        return any(pred(t, a) for t, a in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.counts:
            self.counts[tag] += 1
        if tag == "tr" and "data-service" in a:
            self.out.append(f"service {a['data-service']} {a.get('data-state')}")
        elif tag == "tr" and "data-probe" in a:
            self.out.append(f"probe {a['data-probe']} {a.get('data-state')}")
        elif tag == "tr" and "data-prefix" in a:
            self.row_prefix = a["data-prefix"]
            self.out.append(f"prefix {a['data-prefix']} {a.get('data-desired')} "
                            f"{a.get('data-actual')} {a.get('data-admin')}")
        elif tag == "tr" and "data-session" in a:
            self.out.append(f"session {a['data-session']} {a.get('data-established')}")
        elif tag == "td" and "sessions" in (a.get("class") or "").split():
            self.cell = [f"sessions {self.row_prefix} {a['class']}:", ""]
        elif tag == "g" and "data-subject" in a:
            self.lane = a["data-subject"]
        elif tag == "line" and a.get("class") == "tr":
            self.out.append(f"transition {self.lane} {a.get('data-from') or '-'} {a.get('data-to')}")
        elif tag == "rect" and self.lane is not None:
            self.out.append(f"segment {self.lane} {a.get('data-state')}")
        elif tag == "body":
            self.out.append("body " + (a.get("class") or "-"))
        elif tag == "p" and a.get("id") == "err":
            self.err = ["hidden" in a, ""]
        elif (tag == "span" and self.router is None and "data-state" in a and
              self.inside(lambda t, at: at.get("id") == "router")):
            self.router = a["data-state"]
        if tag not in VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag == "g":
            self.lane = None
        if tag == "td" and self.cell is not None:
            self.out.append(self.cell[0] + " " + " ".join(self.cell[1].split()))
            self.cell = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.inside(lambda t, a: t in ("script", "style")):
            return
        if self.inside(lambda t, a: t == "title") and not self.inside(lambda t, a: t == "svg"):
            self.title += data
        if self.cell is not None:
            self.cell[1] += data
        if self.err is not None and self.inside(lambda t, a: a.get("id") == "err"):
            self.err[1] += data
        if "<" in data or ">" in data:
            self.out.append("text " + " ".join(data.split()))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        p = Facts()
        p.feed(f.read())
        p.close()
    print("title " + p.title.strip())
    for t in COUNTED:
        print(f"elements {t} {p.counts[t]}")
    if p.err is None or p.err[0]:
        print("error hidden")
    else:
        print("error " + " ".join(p.err[1].split()))
    print(f"router {p.router}")
    print("\n".join(p.out))


if __name__ == "__main__":
    main()
