"""Render every demo page and download, as each demo role sees it, into a folder to compare.

A refactoring that promises "every figure on every page and workbook unchanged" is checked by
running this before and after and comparing the two folders (`diff -r`): it seeds the demo on
a throwaway SQLite database, signs in as each demo login, follows every link the pages offer
(breadth first, GET only, never signing out), and writes each page's HTML with what changes from
run to run taken out (form tokens, script nonces, clock times), and each workbook, Word document
or CSV as its cell values or text. `index.json` lists every page with a hash of what was kept.

    .venv/bin/python scripts/snapshot_pages.py OUT_DIR [--max-pages 600]

Run from the checkout to be measured; to measure another checkout with this venv, set
PYTHONPATH to that checkout (its packages then win over the installed ones).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

SEATS = (
    "admin@demo.example",
    "manager@demo.example",
    "auditor@demo.example",
    "viewer@demo.example",
    "teammanager@demo.example",
)
# Links that would end the session or change data when followed by GET.
NEVER = re.compile(r"/(logout|sign-?out)\b|/static/")
VOLATILE = [
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), r"\1·"),
    (re.compile(r'(value=")[^"]*("[^>]*name="csrf_token")'), r"\1·\2"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]*'), r"\1·"),
    (re.compile(r'nonce="[^"]*"'), 'nonce="·"'),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}[\d:.]*([+-]\d{2}:\d{2}|Z)?"), "timestamp"),
    # A new authenticator secret each time the set-up page is opened.
    (re.compile(r'src="data:image/svg\+xml[^"]*"( alt="QR)'), r'src="·"\1'),
    (re.compile(r"secret=[A-Z2-7]+"), "secret=·"),
    (re.compile(r'(id="mfa-key">)[^<]*'), r"\1·"),
    (re.compile(r'(name="token" type="hidden" value=")[^"]*'), r"\1·"),
    (re.compile(r"\b\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?\b"), "hh:mm"),
    (re.compile(r"([?&]v=)[0-9a-f]+"), r"\1·"),
]
HREF = re.compile(r'href="([^"#]+)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--max-pages", type=int, default=600, help="per role")
    parser.add_argument("--compare", type=Path, help="an earlier OUT to compare with; no crawl")
    args = parser.parse_args()
    if args.compare:
        sys.exit(_compare(args.compare, args.out))
    work = Path(tempfile.mkdtemp(prefix="qa-snapshot-"))
    url = f"sqlite:///{work / 'demo.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "QA_TOOLKIT_INSTANCE_PATH": str(work)}
    for command in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run([sys.executable, "-c", _CLI, *command], env=env, check=True)  # noqa: S603
    from qa_toolkit.app import create_app

    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "snapshot"})
    index: dict[str, dict[str, str]] = {}
    for email in SEATS:
        index[email] = _crawl(app, email, args.out / email.split("@")[0], args.max_pages)
        print(f"{email}: {len(index[email])} pages and downloads")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True))


_CLI = (
    "import sys\n"
    "try:\n    from qa_toolkit.cli_entry import main\n"
    "except ImportError:\n    from qa_toolkit.cli import main\n"
    "sys.argv = ['qa-toolkit', *sys.argv[1:]]\nmain()\n"
)


def _compare(before: Path, after: Path) -> int:
    """Print each page or download that differs (after taking out what varies); 1 if any."""
    differ = 0
    names = {p.relative_to(before) for p in before.rglob("*.txt")}
    names |= {p.relative_to(after) for p in after.rglob("*.txt")}
    for name in sorted(names):
        old, new = before / name, after / name
        if not old.exists() or not new.exists():
            print(f"only in {'after' if new.exists() else 'before'}: {name}")
            differ += 1
            continue
        if _steady(old.read_text(errors="replace")) != _steady(new.read_text(errors="replace")):
            print(f"differs: {name}")
            differ += 1
    print(f"{differ} of {len(names)} differ")
    return 1 if differ else 0


def _crawl(app: Any, email: str, folder: Path, limit: int) -> dict[str, str]:
    from sqlalchemy import select

    from qa_toolkit.db import get_session
    from qa_toolkit.models import User

    client = app.test_client()
    with app.app_context():
        user = get_session().scalar(select(User).where(User.email == email))
        if user is None:
            raise SystemExit(f"The demo has no login {email}: was it seeded?")
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
            session["_qa_mfa"] = True
    seen: dict[str, str] = {}
    queue = deque(["/"])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        kept, links = _kept(response)
        seen[path] = f"{response.status_code} {hashlib.sha256(kept).hexdigest()[:16]}"
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/")) or "_root"
        target = folder / f"{name}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f"{response.status_code}\n".encode() + kept)
        for link in links:
            absolute = urljoin(path, link)
            parts = urlsplit(absolute)
            if parts.netloc or NEVER.search(parts.path):
                continue
            full = parts.path + (f"?{parts.query}" if parts.query else "")
            if full not in seen:
                queue.append(full)
    return seen


def _kept(response: Any) -> tuple[bytes, list[str]]:
    """What of a response should not change between runs, and the links it offers."""
    kind = response.mimetype or ""
    data: bytes = response.get_data()
    if kind.startswith("text/") and kind != "text/csv":
        text = data.decode("utf-8", "replace")
        links = [link.replace("&amp;", "&") for link in HREF.findall(text)]
        return _steady(text).encode(), links
    if kind.endswith("spreadsheetml.sheet"):
        return _steady(_cells(data).decode()).encode(), []
    if kind.endswith("wordprocessingml.document"):
        return _steady(_paragraphs(data).decode()).encode(), []
    return data, []


def _steady(text: str) -> str:
    """The text without what changes from run to run (tokens, nonces, clock times)."""
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _cells(data: bytes) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    lines = []
    for sheet in book.worksheets:
        lines.append(f"## {sheet.title}")
        for row in sheet.iter_rows(values_only=True):
            lines.append("\t".join("" if value is None else str(value) for value in row))
    return "\n".join(lines).encode()


def _paragraphs(data: bytes) -> bytes:
    from docx import Document

    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        lines += ["\t".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines).encode()


if __name__ == "__main__":
    main()
