#!/usr/bin/env bash
# Vendor the JavaScript the built book needs into _offline/ (gitignored), so that maths
# and widget outputs render with no network access: Sphinx copies _offline/ into
# _build/html/_static/ (html_static_path in _config.yml).
#
#   mathjax 3.2.2                          -> _offline/mathjax/   (tex-chtml + TeX extensions + woff-v2 fonts)
#   @jupyter-widgets/html-manager 1.0.6    -> _offline/widgets/embed-amd.js  (the version myst-nb loads from its CDN)
#   requirejs 2.3.6                        -> _offline/widgets/require.js
#
# Tarballs come from the npm registry through `npm pack`, which checks their integrity.
# Idempotent: does nothing when _offline/ already holds these versions. FORCE=1 refetches.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DEST=_offline
MATHJAX=mathjax@3.2.2
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.6
REQUIREJS=requirejs@2.3.6
STAMP="$DEST/.versions"
WANT="$MATHJAX $HTML_MANAGER $REQUIREJS"

if [[ "${FORCE:-0}" != 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
    echo "offline assets: up to date in $DEST/"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "error: npm not found. 'make book' needs Node.js/npm to fetch MathJax and the" >&2
    echo "       widget manager into $DEST/ (the built book must render offline)." >&2
    echo "       Install Node.js (e.g. 'apt-get install -y npm') and rerun." >&2
    exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "offline assets: npm pack $WANT"
# npm pack prints the tarball names in argument order, one per line.
mapfile -t tarballs < <(cd "$tmp" && npm pack --silent "$MATHJAX" "$HTML_MANAGER" "$REQUIREJS")
if [[ ${#tarballs[@]} -ne 3 ]]; then
    echo "error: npm pack returned ${#tarballs[@]} tarballs, expected 3: ${tarballs[*]}" >&2
    exit 1
fi

stage="$tmp/stage"
mkdir -p "$stage/mathjax" "$stage/widgets" "$tmp/mathjax" "$tmp/html-manager" "$tmp/requirejs"
tar -xzf "$tmp/${tarballs[0]}" -C "$tmp/mathjax"
tar -xzf "$tmp/${tarballs[1]}" -C "$tmp/html-manager"
tar -xzf "$tmp/${tarballs[2]}" -C "$tmp/requirejs"

# MathJax: the combined tex-chtml component, the extensions it autoloads
# (\boldsymbol, \cancel, ...) and the CHTML fonts. The full es5/ tree is ~24 MB.
mj="$tmp/mathjax/package/es5"
cp "$mj/tex-chtml.js" "$stage/mathjax/"
mkdir -p "$stage/mathjax/input/tex" "$stage/mathjax/output/chtml/fonts"
cp -r "$mj/input/tex/extensions" "$stage/mathjax/input/tex/"
cp -r "$mj/output/chtml/fonts/woff-v2" "$stage/mathjax/output/chtml/fonts/"
cp "$tmp/html-manager/package/dist/embed-amd.js" "$stage/widgets/"
cp "$tmp/requirejs/package/require.js" "$stage/widgets/"
echo "$WANT" > "$stage/.versions"

rm -rf "$DEST"
mv "$stage" "$DEST"
echo "offline assets: $(du -sh "$DEST" | cut -f1) in $DEST/"
