#!/usr/bin/env bash
# Every C++ source is formatted with the repository's .clang-format.
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find engine drivers apps tests bench -name '*.cc' -o -name '*.h')
bad=()
for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
    echo "not clang-formatted (run clang-format -i):"; printf '  %s\n' "${bad[@]}"
    echo "0 passed, 1 failed"; exit 1
fi
echo "${#files[@]} files formatted"
echo "1 passed, 0 failed"
