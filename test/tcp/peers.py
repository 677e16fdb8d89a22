#!/usr/bin/env python3
"""peers.py: the client and server programs behind the TCP captures.

  peers.py server SCENARIO ADDR PORT     (run in the server namespace)
  peers.py client SCENARIO ADDR PORT     (run in the client namespace)

Each scenario is a small, fixed exchange over real kernel sockets; the
servers handle exactly the connections their scenario needs and exit.
See test/tcp/README.md for what each one is meant to show.
"""
import signal
import socket
import struct
import sys
import time


def fill(n, tag):
    pat = (f"wirescope {tag} " * 8).encode()
    return (pat * (n // len(pat) + 1))[:n]


def recv_exact(s, n):
    got = 0
    while got < n:
        b = s.recv(min(65536, n - got))
        if not b:
            raise EOFError(f"EOF after {got} of {n} bytes")
        got += len(b)
    return got


def recv_eof(s, chunk=65536):
    got = 0
    while True:
        b = s.recv(chunk)
        if not b:
            return got
        got += len(b)


def listener(addr, port, rcvbuf=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    ls.bind((addr, port))
    ls.listen(4)
    return ls


def connect(addr, port, bind_port=None):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if bind_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("", bind_port))
    s.connect((addr, port))
    return s


def sleep_until(t):
    while True:
        d = t - time.time()
        if d <= 0:
            return
        time.sleep(min(d, 0.001) if d < 0.005 else d - 0.004)


# ---------------------------------------------------------------- servers

def srv_close_client(ls, linger_after_eof):
    c, _ = ls.accept()
    recv_exact(c, 2000)
    c.sendall(fill(8000, "response"))
    recv_eof(c)
    # A pause longer than the delayed-ACK timer makes the server's kernel
    # acknowledge the client's FIN on its own before our FIN goes out
    # (four-way close); closing at once lets the FIN carry that ACK.
    time.sleep(linger_after_eof)
    c.close()


def server(scn, addr, port):
    if scn in ("close-client", "ipv6"):
        srv_close_client(listener(addr, port), 0.5)
    elif scn == "three-way-close":
        srv_close_client(listener(addr, port), 0.0)
    elif scn == "simultaneous-close":
        c, _ = listener(addr, port).accept()
        recv_exact(c, 2000)
        c.sendall(fill(8000, "response"))
        (t,) = struct.unpack("!d", c.recv(8))
        sleep_until(t)
        c.close()
    elif scn == "half-close":
        c, _ = listener(addr, port).accept()
        recv_eof(c)  # the client has shut down its sending side
        for i in range(6):
            c.sendall(fill(1500, f"after-half-close-{i}"))
            time.sleep(0.15)
        c.close()
    elif scn == "abort-linger":
        c, _ = listener(addr, port).accept()
        recv_exact(c, 100)
        end = time.time() + 3
        try:
            while time.time() < end:
                c.sendall(fill(1000, "stream"))
                time.sleep(0.01)
        except OSError:
            pass  # ECONNRESET / EPIPE once the client has aborted
        c.close()
    elif scn == "lossy":
        c, _ = listener(addr, port).accept()
        recv_exact(c, 192 * 1024)
        c.sendall(fill(768 * 1024, "bulk-download"))
        recv_eof(c)
        c.close()
    elif scn == "zero-window":
        # small receive buffer, set before listen() so the accepted socket
        # inherits it (and the window scale is chosen accordingly)
        c, _ = listener(addr, port, rcvbuf=4096).accept()
        time.sleep(1.5)
        total = 0
        while True:
            b = c.recv(1024)
            if not b:
                break
            total += len(b)
            time.sleep(0.03)
        c.sendall(f"got {total}\n".encode())
        c.close()
    elif scn == "keepalive":
        c, _ = listener(addr, port).accept()
        while True:
            b = c.recv(4096)
            if not b:
                break
            c.sendall(b)
        c.close()
    elif scn == "port-reuse":
        ls = listener(addr, port)
        for i in range(2):
            c, _ = ls.accept()
            recv_exact(c, 500)
            c.sendall(fill(500, f"reply-{i}"))
            c.close()  # the server closes first: it keeps the TIME_WAIT
    else:
        sys.exit(f"unknown scenario {scn}")


# ---------------------------------------------------------------- clients

def client(scn, addr, port):
    if scn in ("close-client", "ipv6", "three-way-close"):
        s = connect(addr, port)
        s.sendall(fill(2000, "request"))
        recv_exact(s, 8000)
        time.sleep(0.2)
        s.close()
    elif scn == "simultaneous-close":
        s = connect(addr, port)
        s.sendall(fill(2000, "request"))
        recv_exact(s, 8000)
        # both ends close at the same instant (the namespaces share one
        # clock); with 30 ms of relay delay each way the FINs cross
        t = time.time() + 0.3
        s.sendall(struct.pack("!d", t))
        sleep_until(t)
        s.close()
    elif scn == "half-close":
        s = connect(addr, port)
        s.sendall(fill(1000, "request"))
        s.shutdown(socket.SHUT_WR)
        n = recv_eof(s)
        assert n == 9000, n
        s.close()
    elif scn == "abort-linger":
        s = connect(addr, port)
        s.sendall(fill(100, "request"))
        recv_exact(s, 5000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()  # linger {1, 0}: the kernel sends RST instead of FIN
        time.sleep(0.3)  # let the server's in-flight data meet the RSTs
    elif scn == "refused":
        try:
            connect(addr, port)
        except ConnectionRefusedError:
            pass
        else:
            sys.exit("refused: connection unexpectedly accepted")
    elif scn == "lossy":
        s = connect(addr, port)
        s.sendall(fill(192 * 1024, "bulk-upload"))
        recv_exact(s, 768 * 1024)
        s.close()
    elif scn == "zero-window":
        s = connect(addr, port)
        s.sendall(fill(96 * 1024, "push"))
        s.shutdown(socket.SHUT_WR)
        recv_eof(s)
        s.close()
    elif scn == "keepalive":
        s = connect(addr, port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 5)
        s.sendall(fill(100, "hello"))
        recv_exact(s, 100)
        time.sleep(4.5)  # idle: keep-alive probes every second
        s.sendall(fill(100, "again"))
        recv_exact(s, 100)
        s.close()
    elif scn == "port-reuse":
        for i in range(2):
            s = connect(addr, port, bind_port=40000)
            s.sendall(fill(500, f"request-{i}"))
            recv_eof(s)
            s.close()
            time.sleep(0.5)
    else:
        sys.exit(f"unknown scenario {scn}")


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("server", "client"):
        sys.exit(__doc__)
    role, scn, addr, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    signal.alarm(30)  # never hang the capture script
    (server if role == "server" else client)(scn, addr, port)


if __name__ == "__main__":
    main()
