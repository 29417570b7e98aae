"""client.py: a scripted Language Server Protocol client for the tests of
cbr-lsp.  It runs the server as a separate process, frames JSON-RPC
messages as the protocol does, and reads the server's output on a thread,
so a server that hangs fails a test by its timeout instead of stopping it.
"""
import json
import os
import queue
import subprocess
import threading
import time


class Server:
    def __init__(self, exe, stderr_path):
        self.stderr = open(stderr_path, "wb")
        self.proc = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
        self.inbox = queue.Queue()
        self.notes = []          # notifications, in the order they came
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            body = out.read(length) if length is not None else b""
            try:
                self.inbox.put(json.loads(body))
            except ValueError:
                self.inbox.put({"id": "not JSON", "body": body.decode("utf-8", "replace")})

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def take(self, timeout=20):
        """The next message, or None when the server ended or said nothing."""
        try:
            msg = self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        if msg is not None and "id" not in msg:
            self.notes.append(msg)
        return msg

    def response(self, want_id, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.take(deadline - time.time())
            if msg is None:
                return None
            if "id" in msg and msg["id"] == want_id:
                return msg
        return None

    def request(self, method, params, timeout=20):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return self.response(self.next_id, timeout)

    def diagnostics(self, uri, timeout=20):
        """The diagnostics of the newest publishDiagnostics for uri that has
        come by now, waiting for one if none has."""
        deadline = time.time() + timeout
        while True:
            for note in reversed(self.notes):
                if note.get("method") == "textDocument/publishDiagnostics" and \
                        note["params"]["uri"] == uri:
                    return note["params"]["diagnostics"]
            if time.time() >= deadline or self.take(deadline - time.time()) is None:
                return None

    def settle(self, quiet=0.3):
        """Reads whatever the server still sends until it is quiet."""
        while self.take(quiet) is not None:
            pass

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=20)
        finally:
            self.stderr.close()


def uri_of(path):
    return "file://" + os.path.abspath(path)


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, name))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in str(detail).splitlines()[:40]:
                print("# " + line)
        return cond

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0
