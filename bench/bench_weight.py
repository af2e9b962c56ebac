"""Page weight: what a browser downloads for the dashboard (25 accounts), served by
gunicorn + whitenoise after `collectstatic`, asking for compression like a browser does
(Accept-Encoding: br, gzip), and whether every URL on the page is same-origin.

    .venv/bin/python bench/bench_weight.py [--skip-prepare]

Counted: the HTML as the app sends it (Django does not compress HTML; a proxy with gzip
on would send the smaller "HTML gzipped" figure) plus each stylesheet, script, icon and
image the page loads, including url() references inside the stylesheets, with response
headers. Checked for every static file: 200, a hashed name, far-future immutable caching,
and compression for text types. Writes bench/results/weight.json.
"""

import argparse
import gzip
import re
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import prepare  # noqa: E402

DASHBOARD = "/dashboard/"
MAX_TOTAL_BYTES = 100 * 1024
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
# Attributes holding URLs; all must be same-origin, only some are downloaded on load.
URL_ATTRS = {"src", "href", "action", "hx-get", "hx-post", "formaction", "poster", "data"}
LOADED_LINK_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest",
                    "apple-touch-icon"}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")
ACCEPT = {"Accept-Encoding": "br, gzip"}


class UrlCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.all_urls: list[str] = []
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in URL_ATTRS and value:
                self.all_urls.append(value)
            if name == "srcset" and value:
                self.all_urls += [part.split()[0] for part in value.split(",") if part.strip()]
        rels = set((values.get("rel") or "").lower().split())
        if tag == "link" and rels & LOADED_LINK_RELS and (href := values.get("href")):
            self.loaded.append(href)
        elif tag in {"script", "img", "iframe", "video", "audio", "source"} and (
            src := values.get("src")
        ):
            self.loaded.append(src)


def is_same_origin(url: str, base: str) -> bool:
    parts = urllib.parse.urlsplit(urllib.parse.urljoin(base + DASHBOARD, url))
    if parts.scheme in {"data", "mailto", "tel"}:
        return True  # no request leaves the page
    origin = urllib.parse.urlsplit(base)
    return (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc)


def header_bytes(response: harness.Response) -> int:
    return sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items()) + 17


def fetch_static(client: harness.HttpClient, base: str, path: str) -> dict:
    response = client.get(path, **ACCEPT)
    cache_control = response.header("Cache-Control")
    content_type = response.header("Content-Type").split(";")[0]
    compressible = content_type.startswith("text/") or content_type in {
        "application/javascript", "image/svg+xml", "application/json"}
    return {
        "path": path,
        "status": response.status,
        "content_type": content_type,
        "encoding": response.header("Content-Encoding") or "identity",
        "body_bytes": len(response.body),
        "header_bytes": header_bytes(response),
        "cache_control": cache_control,
        "hashed_name": bool(HASHED.search(path)),
        "far_future": "immutable" in cache_control and "max-age=315360000" in cache_control,
        "compressed_ok": (not compressible) or bool(response.header("Content-Encoding")),
        "vary": response.header("Vary"),
        "css_urls": css_urls(response) if content_type == "text/css" else [],
    }


def css_urls(response: harness.Response) -> list[str]:
    """url() and @import targets in a stylesheet (served gzipped, brotli or plain)."""
    body, encoding = response.body, response.header("Content-Encoding")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "br":
        import brotli  # whitenoise only serves .br when Brotli is installed

        body = brotli.decompress(body)
    return [a or b for a, b in CSS_URL.findall(body.decode("utf-8", "replace"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=harness.DEFAULT_DB)
    parser.add_argument("--port", type=int, default=harness.DEFAULT_PORT)
    parser.add_argument("--skip-prepare", action="store_true")
    parser.add_argument("--label", default="weight")
    args = parser.parse_args()

    if not args.skip_prepare:
        prepare.prepare(args.db)
    env = harness.production_env(args.db)
    with harness.gunicorn(env, args.port, workers=1) as server:
        base = server.base
        client = harness.sign_in(base, prepare.load_email())
        page = client.get(DASHBOARD, **ACCEPT)
        if page.status != 200:
            raise SystemExit(f"dashboard answered {page.status}")
        collector = UrlCollector()
        collector.feed(page.body.decode())
        todo = list(dict.fromkeys(collector.loaded))
        statics, seen = [], set()
        while todo:
            url = todo.pop(0)
            path = urllib.parse.urlsplit(urllib.parse.urljoin(base + DASHBOARD, url)).path
            if path in seen or not is_same_origin(url, base):
                continue
            seen.add(path)
            item = fetch_static(client, base, path)
            todo += [urllib.parse.urljoin(path, u) for u in item.pop("css_urls")
                     if not u.startswith("data:")]
            statics.append(item)

    third_party = sorted({u for u in collector.all_urls if not is_same_origin(u, base)})
    html_bytes = len(page.body)
    total = html_bytes + header_bytes(page) + sum(
        s["body_bytes"] + s["header_bytes"] for s in statics)
    result = {
        "machine": harness.machine(),
        "page": DASHBOARD,
        "accounts": prepare.LOAD_ACCOUNTS,
        "html_bytes": html_bytes,
        "html_encoding": page.header("Content-Encoding") or "identity",
        "html_gzipped_bytes": len(gzip.compress(page.body, 6)),
        "statics": statics,
        "requests": 1 + len(statics),
        "total_bytes": total,
        "third_party_urls": third_party,
        "targets": {
            "total_under_bytes": MAX_TOTAL_BYTES,
            "total_met": total < MAX_TOTAL_BYTES,
            "no_third_party": not third_party,
            "statics_ok": all(s["status"] == 200 and s["hashed_name"] and s["far_future"]
                              and s["compressed_ok"] for s in statics),
        },
    }
    harness.save_result(args.label, result)
    print(f"{'resource':<42} {'status':>6} {'encoding':>9} {'bytes':>8}  cache")
    print(f"{DASHBOARD:<42} {page.status:>6} {result['html_encoding']:>9} {html_bytes:>8,}  "
          f"{page.header('Cache-Control')}")
    for s in statics:
        print(f"{s['path']:<42} {s['status']:>6} {s['encoding']:>9} {s['body_bytes']:>8,}  "
              f"{s['cache_control']}")
    print(f"{result['requests']} requests, {total:,} bytes with headers "
          f"(target < {MAX_TOTAL_BYTES:,}); HTML gzipped by a proxy would be "
          f"{result['html_gzipped_bytes']:,} bytes; third-party URLs: {third_party or 'none'}")
    if not all(result["targets"][k] for k in ("total_met", "no_third_party", "statics_ok")):
        print("TARGET MISSED")
        sys.exit(1)


if __name__ == "__main__":
    main()
