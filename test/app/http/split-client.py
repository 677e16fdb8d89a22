#!/usr/bin/env python3
"""HTTP/1.1 client for make-captures.sh that writes its requests in pieces,
each piece its own TCP segment (TCP_NODELAY and a pause), on one keep-alive
connection:

  1. a GET whose request line and headers are cut across three segments
     ("GET /ot" | "her HTTP/1.1\\r\\nHost: ..." | rest of the headers);
  2. two GETs pipelined in one segment;
  3. a POST whose headers end in one segment and whose body follows in two;
  4. a GET with "Connection: close".

It reads each answer before going on (the pipelined pair: both answers).

usage: split-client.py PORT
"""
import socket
import sys
import time

PAUSE = 0.05


def read_responses(sock, count):
    """Reads until `count` responses with Content-Length bodies arrived."""
    data = b""
    done = 0
    while done < count:
        while True:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                break
            head = data[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(data) < end + 4 + length:
                break
            data = data[end + 4 + length:]
            done += 1
        if done >= count:
            break
        more = sock.recv(65536)
        if not more:
            break
        data += more


def main():
    port = int(sys.argv[1])
    host = b"Host: 127.0.0.1:%d\r\n" % port
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(*pieces):
        for p in pieces:
            s.sendall(p)
            time.sleep(PAUSE)

    send(b"GET /ot", b"her HTTP/1.1\r\n" + host,
         b"User-Agent: split-client/1.0\r\nAccept: */*\r\n\r\n")
    read_responses(s, 1)
    send(b"GET /other HTTP/1.1\r\n" + host + b"\r\n"
         b"GET /missing HTTP/1.1\r\n" + host + b"\r\n")
    read_responses(s, 2)
    send(b"POST /upload HTTP/1.1\r\n" + host +
         b"Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n",
         b"0123456789", b"abcdefghij")
    read_responses(s, 1)
    send(b"GET /other HTTP/1.1\r\n" + host + b"Connection: close\r\n\r\n")
    read_responses(s, 1)
    s.close()


if __name__ == "__main__":
    main()
