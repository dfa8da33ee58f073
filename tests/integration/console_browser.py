#!/usr/bin/python3
"""Drive headless Chromium (Debian's package) through the web console over
the DevTools protocol (python3-websocket): visit pages, log in, press an
action's button, save screenshots, and measure each page (bytes,
requests, time to first contentful paint).

    console_browser.py SPEC.json

SPEC: {"base": "https://127.0.0.1:PORT", "out": DIR, "steps": [...]}; a
step is one of
    {"visit": PATH, "expect": [TEXT...], "absent": [TEXT...], "shot": NAME}
    {"login": USER, "password": PW, "expect": [TEXT...]}
    {"press": PATH, "action": ACTION, "expect": [TEXT...], "shot": NAME}
    {"measure": [PATH...], "file": NAME}
    {"run": [ARGV...]}                  (a command, which must succeed)
    {"refreshed": TEXT, "seconds": N}   (TEXT appears on the page as it
                                         is, without a navigation: the
                                         console's live refresh)
TEXT is looked for in the page's visible text. A JavaScript dialog
(alert, confirm) on any page fails the run: the console must never run a
script it did not serve. Exits 1 with one line on the first failure.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Browser:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sb-chromium-")
        self.proc = subprocess.Popen(
            ["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--ignore-certificate-errors", "--no-first-run",
             "--disable-extensions", "--disable-background-networking",
             "--remote-allow-origins=*", "--remote-debugging-port=0",
             "--disable-dev-shm-usage",
             "--window-size=1280,1000", "--user-data-dir=" + self.dir,
             "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = os.path.join(self.dir, "DevToolsActivePort")
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.1)
        else:
            fail("chromium did not start its DevTools endpoint")
        port = open(port_file).read().split()[0]
        with urllib.request.urlopen("http://127.0.0.1:%s/json/list" % port) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    fail("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.event(msg)

    def event(self, msg):
        if msg.get("method") == "Page.javascriptDialogOpening":
            fail("a JavaScript dialog opened: %s" % msg["params"].get("message"))
        self.events.append(msg)

    def wait_load(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            for i, m in enumerate(self.events):
                if m.get("method") == "Page.loadEventFired":
                    del self.events[:i + 1]
                    return
            self.event(json.loads(self.ws.recv()))
        fail("the page did not load within 60 s")

    def go(self, url):
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_load()

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            fail("script %r: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def shot(self, path):
        # The whole page, not only the window: as tall as its content.
        height = self.js("document.documentElement.scrollHeight")
        self.call("Emulation.setDeviceMetricsOverride", width=1280,
                  height=max(600, min(int(height), 6000)),
                  deviceScaleFactor=1, mobile=False)
        data = self.call("Page.captureScreenshot", format="png")["data"]
        self.call("Emulation.clearDeviceMetricsOverride")
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()
            shutil.rmtree(self.dir, ignore_errors=True)


def check_text(b, where, expect, absent):
    text = b.js("document.body.innerText")
    for t in expect:
        if t not in text:
            fail("%s: %r not on the page; it shows: %s" % (where, t, text[:1500]))
    for t in absent:
        if t in text:
            fail("%s: %r is on the page" % (where, t))
    # Every image on the page loaded (the charts).
    broken = b.js("[...document.images].filter(i => !i.complete || "
                  "i.naturalWidth === 0).map(i => i.src)")
    if broken:
        fail("%s: images that did not load: %s" % (where, broken))


def measure(b, base, path):
    b.call("Network.enable")
    b.call("Network.setCacheDisabled", cacheDisabled=True)
    b.go(base + path)
    time.sleep(0.3)
    m = b.js("""(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const res = performance.getEntriesByType('resource');
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {requests: 1 + res.length,
                bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                body_bytes: nav.encodedBodySize + res.reduce((s, r) => s + r.encodedBodySize, 0),
                first_paint_ms: fcp ? Math.round(fcp.startTime) : null,
                load_ms: Math.round(nav.loadEventEnd)};
    })()""")
    m["page"] = path
    return m


def main():
    spec = json.load(open(sys.argv[1]))
    base, out = spec["base"], spec["out"]
    os.makedirs(out, exist_ok=True)
    b = Browser()
    try:
        for step in spec["steps"]:
            if "visit" in step:
                b.go(base + step["visit"])
                check_text(b, step["visit"], step.get("expect", []),
                           step.get("absent", []))
            elif "login" in step:
                b.go(base + "/login")
                b.js("document.querySelector('input[name=user]').value = %s;"
                     "document.querySelector('input[name=password]').value = %s;"
                     "document.querySelector('main form').submit()"
                     % (json.dumps(step["login"]), json.dumps(step["password"])))
                b.wait_load()
                check_text(b, "after logging in", step.get("expect", []), [])
            elif "press" in step:
                b.go(base + step["press"])
                found = b.js("(() => { const i = document.querySelector("
                             "'form.act input[name=action][value=%s]');"
                             "if (!i) return false; i.form.querySelector("
                             "'button').click(); return true; })()"
                             % step["action"])
                if not found:
                    fail("%s: no %s button" % (step["press"], step["action"]))
                b.wait_load()
                check_text(b, "after %s" % step["action"],
                           step.get("expect", []), [])
            elif "run" in step:
                r = subprocess.run(step["run"], capture_output=True, text=True)
                if r.returncode != 0:
                    fail("%s: %s" % (step["run"], r.stderr.strip()))
            elif "refreshed" in step:
                b.js("window.sbMark = 1")
                deadline = time.time() + step.get("seconds", 15)
                while step["refreshed"] not in b.js("document.body.innerText"):
                    if time.time() > deadline:
                        fail("%r did not appear without reloading" % step["refreshed"])
                    time.sleep(0.5)
                if b.js("window.sbMark") != 1:
                    fail("the page was loaded again, not refreshed in place")
            elif "measure" in step:
                rows = [measure(b, base, p) for p in step["measure"]]
                with open(os.path.join(out, step["file"]), "w") as f:
                    json.dump(rows, f, indent=1)
            if "shot" in step:
                b.shot(os.path.join(out, step["shot"] + ".png"))
            print("ok %s" % json.dumps(step if "password" not in step
                                       else {"login": step["login"]}),
                  flush=True)
    finally:
        b.close()


if __name__ == "__main__":
    main()
