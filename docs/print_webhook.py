"""A webhook on 127.0.0.1 that prints each notification it receives (Apprise's json:// posts):
for trying newsmon's alerts without a real channel. Stop it with Ctrl-C.

    python3 docs/print_webhook.py [PORT]      # default 8080; then --notify json://127.0.0.1:PORT/
"""

import http.server
import json
import sys


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        message = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        print(message["title"], message["message"], sep="\n", end="\n\n", flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the notifications only


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
