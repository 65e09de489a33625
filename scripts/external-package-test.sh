#!/usr/bin/env bash
# Builds and runs Tests/ExternalPackage, a package that depends on spikeloc *by version* the way
# another project would (.package(url:from:)), against a tagged clone of this repository:
#   - clones the repository's HEAD into a temporary folder (commit first: uncommitted changes are
#     not part of the test), drops the clone's tags and tags HEAD 0.1.0;
#   - copies Tests/ExternalPackage next to it and builds it with SPIKELOC_URL=file://<clone>;
#     its dependencies (spikeloc's, e.g. swift-argument-parser) resolve like the main package's;
#   - checks that spikeloc was compiled without -target-cpu there (a dependent gets the portable
#     build; SwiftPM would refuse the dependency otherwise) and runs the executable.
# Usage: scripts/external-package-test.sh [-c debug|release]   (default debug: faster to build)
set -euo pipefail
config=debug
if [ "${1:-}" = "-c" ]; then config=${2:?"-c needs debug or release"}; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spikeloc-external.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

head=$(git -C "$repo" rev-parse HEAD)
if ! git -C "$repo" diff --quiet HEAD -- 2>/dev/null; then
    echo "note: testing HEAD ($head); uncommitted changes are not part of this test" >&2
fi
git clone --quiet --no-local --no-checkout "$repo" "$tmp/spikeloc"
git -C "$tmp/spikeloc" -c advice.detachedHead=false checkout --quiet "$head"
git -C "$tmp/spikeloc" tag -l | xargs -r git -C "$tmp/spikeloc" tag -d >/dev/null
git -C "$tmp/spikeloc" tag 0.1.0

cp -R "$tmp/spikeloc/Tests/ExternalPackage" "$tmp/external"
rm -rf "$tmp/external/.build" "$tmp/external/Package.resolved"
cd "$tmp/external"
export SPIKELOC_URL="file://$tmp/spikeloc"
swift build -c "$config"
if grep -q -- '"-target-cpu"' ".build/$config.yaml"; then
    echo "external package: FAILED: spikeloc was compiled with -target-cpu as a dependency" >&2
    exit 1
fi
swift run -c "$config" --skip-build ExternalUse
