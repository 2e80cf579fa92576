#!/usr/bin/env python3
"""The HTTP load generator of `scripts/bench`'s step `api`.

N client threads, each on its own keep-alive connection (http.client), send requests to a
running `mscreg serve` for S seconds and time each one: `enroll` sends `POST /patients` of
a fresh eligible SLE candidate (unique MRN per request; client i enrolls at the i-th of
--sites, modulo their number, as pgbench's client i does in scripts/bench-api/enroll.sql),
`show` sends `GET /patients/{study_id}` for study IDs read from a file, spread over them.
All clients share one session token (one `POST /session` first). Prints one line:

    requests=R seconds=S rate=R/S p50_ms=… p99_ms=… errors=E client_cpu_ms=…

(client_cpu_ms: this process's CPU time per request, which the machine's cores spend on the
client and not on the server.)
Any answer other than 201 (enroll) or 200 (show) counts as an error and its first body is
printed on standard error. Standard library only, so that it runs wherever the bench runs.
The timed requests go over a plain socket (`KeepAlive`: the request bytes built once per
request, the answer read by its Content-Length or chunks) rather than `http.client`, whose
header parsing (the `email` package) cost more CPU per request than the server's GET on the
bench's 2 cores, where client and server share the cores.
"""

import argparse
import http.client
import json
import resource
import socket
import sys
import threading
import time
import urllib.parse


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class KeepAlive:
    """One HTTP/1.1 keep-alive connection: request bytes out, (status, body, close) back."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.sock = None
        self.buffer = b""

    def connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=120)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data

    def _take(self, n):
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _line(self):
        while True:
            end = self.buffer.find(b"\r\n")
            if end >= 0:
                line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
                return line
            self._fill()

    def request(self, raw):
        if self.sock is None:
            self.connect()
        self.sock.sendall(raw)
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._fill()
        head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, chunked, close = None, False, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if chunked:
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._take(size)
                self._take(2)
        else:
            body = self._take(length or 0)
        if close:
            self.close()
        return status, body


def raw_request(method, path, host, headers, payload):
    body = payload.encode() if payload is not None else b""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s" % host]
    lines += ["%s: %s" % item for item in headers.items()]
    if payload is not None:
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def candidate(mrn, site):
    return {
        "protocol": "SLE-UCMSC", "site": site, "mrn": mrn, "given": "Bench",
        "family": "Client", "birth_date": "1990-04-02", "sex": "F", "consent_version": "1.0",
        "consent_date": "2026-05-20", "enrolled_on": "2026-06-01",
        "sledai_descriptors": "arthritis,rash,low_complement,proteinuria",
        "eular_acr_items": "joint_involvement,anti_dsdna_or_anti_sm,low_c3_and_c4",
        "ana_titer": 320, "pga": 1.5, "upcr": 1.8, "creatinine": 1.1,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--mode", choices=["enroll", "show"], required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--sites", default="PAN")
    parser.add_argument("--prefix", default="API")
    parser.add_argument("--study-ids", help="file of study IDs, one a line (mode show)")
    args = parser.parse_args()

    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname, url.port

    def connect():
        return http.client.HTTPConnection(host, port, timeout=120)

    sign_in = connect()
    sign_in.request("POST", "/session", json.dumps({"user": args.user, "password": args.password}),
                    {"Content-Type": "application/json"})
    answer = sign_in.getresponse()
    body = answer.read()
    if answer.status != 201:
        sys.exit("error: POST /session answered %d: %s" % (answer.status, body[:300]))
    token = json.loads(body)["token"]
    sign_in.close()
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    sites = args.sites.split(",")
    study_ids = []
    if args.mode == "show":
        with open(args.study_ids) as f:
            study_ids = [line.strip() for line in f if line.strip()]
        if not study_ids:
            sys.exit("error: --study-ids: no study IDs")

    latencies = [[] for _ in range(args.clients)]
    errors = [0] * args.clients
    first_error = []
    start_barrier = threading.Barrier(args.clients + 1)
    deadline = [0.0]

    host_header = "%s:%d" % (host, port)

    def client(index):
        conn = KeepAlive(host, port)
        n = 0
        expected = 201 if args.mode == "enroll" else 200

        def one():
            nonlocal n
            if args.mode == "enroll":
                mrn = "%s-%d-%d" % (args.prefix, index, n)
                payload = json.dumps(candidate(mrn, sites[index % len(sites)]))
                method, path = "POST", "/patients"
            else:
                payload = None
                method = "GET"
                path = "/patients/" + study_ids[(index * 7919 + n) % len(study_ids)]
            n += 1
            raw = raw_request(method, path, host_header, headers, payload)
            t0 = time.perf_counter()
            status, data = conn.request(raw)
            elapsed = time.perf_counter() - t0
            if status != expected:
                errors[index] += 1
                if not first_error:
                    first_error.append("%s %s: %d %s" % (method, path, status, data[:300]))
            return elapsed

        one()  # warm-up: the connection and the server's session
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            latencies[index].append(one())
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + 3600
    start_barrier.wait()
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    deadline[0] = t0 + args.seconds
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    flat = sorted(x for per in latencies for x in per)
    if first_error:
        print("first error: " + first_error[0], file=sys.stderr)
    print("requests=%d seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d "
          "client_cpu_ms=%.3f" % (
              len(flat), seconds, len(flat) / seconds, 1000 * percentile(flat, 0.5),
              1000 * percentile(flat, 0.99), sum(errors), 1000 * cpu / max(1, len(flat))))


if __name__ == "__main__":
    main()
