"""Vendor the JavaScript the built book needs into _offline/ (gitignored), so that maths and
widget outputs render with no network: Sphinx copies _offline/ into _build/html/_static/
(html_static_path in _config.yml).

    mathjax 3.2.2                        -> _offline/mathjax/  (tex-chtml + TeX extensions + woff-v2 fonts)
    @jupyter-widgets/html-manager 1.0.6  -> _offline/widgets/embed-amd.js  (the version myst-nb loads from its CDN)
                                            and its Font Awesome font in _offline/widgets/fonts/
                                            (scripts/offline_html.py puts a copy where the bundle looks)
    requirejs 2.3.6                      -> _offline/widgets/require.js

Only the Python standard library is used: each tarball is downloaded from the npm registry
(or the one named by the environment variable ``npm_config_registry``), checked against the
sha512 pinned below (the registry's own ``dist.integrity``), and only the files listed here are
copied out of it; nothing is extracted by the archive's own paths and nothing is executed.

Idempotent: does nothing when _offline/ already holds these versions and every file listed here.
``--force`` refetches.

Usage: ``python scripts/fetch_offline_assets.py [--force] [--dest DIR]`` (``make book`` runs it).
"""
import argparse
import base64
import hashlib
import io
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "https://registry.npmjs.org"

# name, version, sha512 (base64, as in the registry's "integrity": "sha512-..."),
# and what to copy: {destination under DEST: source path or folder inside the tarball}
PACKAGES = [
    ("mathjax", "3.2.2",
     "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw==",
     {"mathjax/tex-chtml.js": "package/es5/tex-chtml.js",
      "mathjax/input/tex/extensions/": "package/es5/input/tex/extensions/",
      "mathjax/output/chtml/fonts/woff-v2/": "package/es5/output/chtml/fonts/woff-v2/"}),
    ("@jupyter-widgets/html-manager", "1.0.6",
     "+Mn+Ra8wyIHrYaUpfmf9A3dsLkt/NuwzPQN8sthdxBD35VV5cOJbpmgMhNR27n/rmP3mKyEe0PWCJrtZrXTXDQ==",
     {"widgets/embed-amd.js": "package/dist/embed-amd.js",
      # Font Awesome 4 (woff2), which the bundle's stylesheet asks for by this hashed name
      "widgets/fonts/1551f4f60c37af51121f.woff2": "package/dist/1551f4f60c37af51121f.woff2"}),
    ("requirejs", "2.3.6",
     "ipEzlWQe6RK3jkzikgCupiTbTvm4S0/CAU5GlgptkN5SO6F3u0UD0K18wy6ErDqiCyP4J4YYe1HuAShvsxePLg==",
     {"widgets/require.js": "package/require.js"}),
]
STAMP = ".versions"


class FetchError(RuntimeError):
    """A download failed or its content is not what was pinned."""


def wanted(packages=PACKAGES):
    """The stamp text: every pinned package as name@version, space separated."""
    return " ".join(f"{name}@{version}" for name, version, _, _ in packages)


def tarball_url(name, version, registry=REGISTRY):
    """The registry's tarball address; a scoped name's file is named without its scope."""
    return f"{registry.rstrip('/')}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"


def verify(data, sha512, what):
    """Raise FetchError unless the bytes ``data`` have the base64 sha512 digest ``sha512``."""
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != sha512:
        raise FetchError(f"{what}: sha512 mismatch (expected {sha512}, got {got}); refusing to use it")


def extract(data, files, dest):
    """Copy the members named by ``files`` ({dest path: tarball path or folder/}) out of the
    gzipped tarball ``data`` into ``dest``. Only regular files are written, and only at the
    destinations named here. Returns the number of files written."""
    written = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for target, source in files.items():
            if source.endswith("/"):
                chosen = {name[len(source):]: m for name, m in members.items()
                          if name.startswith(source)}
            else:
                chosen = {"": members[source]} if source in members else {}
            if not chosen:
                raise FetchError(f"the tarball has no {source}")
            for rel, member in chosen.items():
                parts = Path(rel).parts
                if ".." in parts or Path(rel).is_absolute():
                    raise FetchError(f"refusing the tarball member {member.name!r}")
                out = Path(dest, target, rel) if rel else Path(dest, target)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(tar.extractfile(member).read())
                written += 1
    return written


def download(url, timeout=60):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError) as err:
        raise FetchError(f"could not download {url}: {err}") from err


def fetch(dest, force=False, registry=None, get=download, packages=PACKAGES):
    """Fill ``dest`` with the pinned assets unless its stamp names these versions and every file
    listed in ``packages`` is there.

    Everything is staged in a temporary folder beside ``dest`` and moved into place only when
    every package downloaded and verified, so ``dest`` is never left half written.
    Returns True when it fetched, False when ``dest`` was up to date.
    """
    dest = Path(dest)
    registry = registry or os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") \
        or REGISTRY
    stamp = dest / STAMP
    complete = all((dest / target).exists() for *_, files in packages for target in files)
    if not force and complete and stamp.is_file() and stamp.read_text().strip() == wanted(packages):
        print(f"offline assets: up to date in {dest}/")
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".offline-", dir=dest.parent))
    written = 0
    try:
        for name, version, sha512, files in packages:
            url = tarball_url(name, version, registry)
            print(f"offline assets: {name}@{version} <- {url}")
            data = get(url)
            verify(data, sha512, f"{name}@{version}")
            written += extract(data, files, stage)
        (stage / STAMP).write_text(wanted(packages) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        stage.rename(dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"offline assets: {written} files in {dest}/")
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="refetch even when up to date")
    parser.add_argument("--dest", default=str(ROOT / "_offline"), help="target folder (default: _offline/)")
    args = parser.parse_args(argv)
    try:
        fetch(args.dest, force=args.force or os.environ.get("FORCE") == "1")
    except FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        print("       'make book' needs the npm registry (https://registry.npmjs.org, or set "
              "npm_config_registry to a mirror) once, to vendor MathJax and the widget manager.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
