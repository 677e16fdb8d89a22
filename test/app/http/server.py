#!/usr/bin/env python3
"""HTTP/1.1 test server for make-captures.sh: answers with the framings the
HTTP dissector and tracker must follow. Every write goes out as its own TCP
segment (TCP_NODELAY and a short pause between pieces), so the captures hold
bodies split across segments, chunked bodies and interim responses.

  GET  /chunked      200, Transfer-Encoding: chunked, one chunk per segment
  GET  /chunked-one  200, chunked, every chunk and the last one in one segment
  GET  /big          200, Content-Length 3000, body in three segments
  GET  /empty        204 No Content
  GET  /cached       304 Not Modified when If-None-Match is "v1", else 200
  GET  /other        200 with a small text body (header and body in one write)
  POST /upload       201 Created after reading a Content-Length body
                     (100 Continue first when the client expects it)
  anything else      404

usage: server.py PORT
"""
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

PAUSE = 0.05


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wstest/1.0"
    sys_version = ""

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()
        time.sleep(PAUSE)

    def head(self, code, ctype=None, length=None, chunked=False):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length is not None:
            self.send_header("Content-Length", str(length))
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        time.sleep(PAUSE)

    def do_GET(self):
        if self.path == "/chunked":
            self.head(200, "text/plain", chunked=True)
            for piece in (b"first chunk\n", b"second, longer chunk of text\n"):
                self.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.send(b"0\r\n\r\n")
        elif self.path == "/chunked-one":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            time.sleep(PAUSE)
            self.send(b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n")
        elif self.path == "/big":
            body = bytes((48 + i % 10 for i in range(3000)))
            self.head(200, "application/octet-stream", 3000)
            for i in range(0, 3000, 1000):
                self.send(body[i:i + 1000])
        elif self.path == "/empty":
            self.head(204)
        elif self.path == "/cached":
            if self.headers.get("If-None-Match") == '"v1"':
                self.send_response(304)
                self.send_header("ETag", '"v1"')
                self.end_headers()
            else:
                self.reply(200, b"cached body\n", etag=True)
        elif self.path == "/other":
            self.reply(200, b"other\n")
        else:
            self.reply(404, b"not here\n")

    def reply(self, code, body, etag=False):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = self.rfile.read(n)
        self.reply(201, b"stored %d bytes\n" % len(got))


class Server(HTTPServer):
    allow_reuse_address = True


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
