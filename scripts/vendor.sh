#!/usr/bin/env bash
# Re-fetch the query page's JavaScript/CSS libraries and base map, at exactly these versions, from the npm registry.
#
# Each package is fetched with `npm pack` (npm checks the tarball against the registry's integrity), checked again
# against the sha512 pinned below, and only its built files and LICENSE are copied to app/static/vendor/NAME-VERSION/.
# To update one: change its version and integrity here (`npm view NAME@VERSION dist.integrity`), run
# `make vendor`, update the paths in app/api/templates/page.html and app/static/js/, and run `make test`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENDOR="$ROOT/app/static/vendor"

# name version integrity files-to-copy (paths inside the package)
PACKAGES=(
  "codemirror 5.65.21 sha512-6teYk0bA0nR3QP0ihGMoxuKzpl5W80FpnHpBJpgy66NK3cZv5b/d/HY8PnRvfSsCG1MTfr92u2WUl+wT0E40mQ== LICENSE lib/codemirror.js lib/codemirror.css mode/sparql/sparql.js addon/hint/show-hint.js addon/hint/show-hint.css addon/edit/matchbrackets.js"
  "d3 7.9.0 sha512-e1U46jVP+w7Iut8Jt8ri1YsPOvFpg46k+K8TpCb0P+zjCkjkPnV7WzfDJzMHy1LnA+wj5pLT1wjO901gLXeEhA== LICENSE dist/d3.min.js"
  "topojson-client 3.1.0 sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw== LICENSE dist/topojson-client.min.js"
  "world-atlas 2.0.2 sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ== LICENSE countries-110m.json"
)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

for entry in "${PACKAGES[@]}"; do
  read -r name version integrity files <<<"$entry"
  echo "vendoring $name@$version"
  (cd "$work" && npm pack --silent "$name@$version" >/dev/null)
  tarball="$work/$name-$version.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $name@$version: expected $integrity, got $actual" >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$tarball" -C "$work/$name"
  target="$VENDOR/$name-$version"
  rm -rf "$target"
  for file in $files; do
    mkdir -p "$target/$(dirname "$file")"
    cp "$work/$name/package/$file" "$target/$file"
  done
  printf '%s@%s\nsource: https://registry.npmjs.org/%s/-/%s-%s.tgz\nintegrity: %s\n' \
    "$name" "$version" "$name" "$name" "$version" "$integrity" >"$target/VERSION"
done
echo "done: $VENDOR"
