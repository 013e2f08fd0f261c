"""A local SMTP server for the mail benchmark: accepts every message, counts it, keeps nothing (except,
if asked, the bytes of one message, so the raw-SMTP baseline can send copies of a real one).

    python bench/smtp_sink.py PORT [KEEP_PATH [N]]     # keeps the bytes of message number N (default 1)

Runs in its own process so that its CPU is not shared with the sender's. It reads commands on stdin,
one per line: `count` prints the number of messages accepted so far, `reset` sets it to zero,
`keep` sets it to zero and keeps message N again (after a warm-up), `quit` stops. It stops by itself when stdin closes or after an hour at most.
"""
import sys
import threading
import time

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self, keep_path=None, keep_number=1):
        self.count = 0
        self.keep_path, self.keep_number = keep_path, keep_number
        self.keep_again = keep_path
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            keep = self.keep_path if self.count == self.keep_number else None
        if keep:
            with open(keep, "wb") as fh:
                fh.write(envelope.original_content or envelope.content)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    handler = CountingHandler(sys.argv[2] if len(sys.argv) > 2 else None, int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    started = time.monotonic()
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "count":
                with handler.lock:
                    print(handler.count, flush=True)
            elif command == "reset":
                with handler.lock:
                    handler.count = 0
                    handler.keep_path = None
                print("ok", flush=True)
            elif command == "keep":
                with handler.lock:
                    handler.count = 0
                    handler.keep_path = handler.keep_again
                print("ok", flush=True)
            elif command == "quit" or time.monotonic() - started > 3600:
                break
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
