"""A small HTTP load generator for the bench scripts: stdlib only, one thread and one connection per
concurrent client, no Django, so it runs in its own process beside the server it measures.

    python bench/loadgen.py --port 8123 --concurrency 8 --timeout 240 --requests in.json --results out.json

in.json: [[method, path, body (str), {header: value}], ...], sent in order, each exactly once.
out.json: {"elapsed_s": ..., "results": [[status, latency_ms, body (str)] or null if not sent, ...]}.
Status 0 is a connection error or timeout (the body then holds the error). A request still unsent when
--timeout has passed is left unsent (null): every run ends by itself. Only 127.0.0.1 is ever contacted.
"""

import argparse
import http.client
import json
import threading
import time
from typing import Any

HOST = "127.0.0.1"


def run_load(
    port: int, requests: list[list[Any]], concurrency: int, timeout_s: float, request_timeout_s: float = 30
) -> dict[str, Any]:
    lock = threading.Lock()
    cursor = [0]
    results: list[list[Any] | None] = [None] * len(requests)
    deadline = time.monotonic() + timeout_s

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=request_timeout_s)
        try:
            while time.monotonic() < deadline:
                with lock:
                    index = cursor[0]
                    cursor[0] += 1
                if index >= len(requests):
                    return
                method, path, body, headers = requests[index]
                started = time.perf_counter()
                try:
                    # A server that closes after each answer (gunicorn's sync worker) makes http.client
                    # open a new connection for the next request by itself.
                    connection.request(method, path, body=body.encode(), headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    status, data = 0, repr(error).encode()
                results[index] = [
                    status,
                    (time.perf_counter() - started) * 1000,
                    data.decode(errors="replace"),
                ]
        finally:
            connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout_s + request_timeout_s + 5)
    return {"elapsed_s": time.perf_counter() - started, "results": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--results", required=True)
    args = parser.parse_args()
    with open(args.requests, encoding="utf-8") as handle:
        requests = json.load(handle)
    outcome = run_load(args.port, requests, args.concurrency, args.timeout)
    with open(args.results, "w", encoding="utf-8") as handle:
        json.dump(outcome, handle)


if __name__ == "__main__":
    main()
