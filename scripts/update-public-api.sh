#!/usr/bin/env bash
# Rewrites every src/*/PublicAPI.Unshipped.txt from what Microsoft.CodeAnalysis.PublicApiAnalyzers finds:
#   RS0016 (a public symbol no baseline declares)    -> the symbol is added to the project's Unshipped file;
#   RS0017 (a declared symbol that is gone)           -> "*REMOVED*symbol" when PublicAPI.Shipped.txt declares it.
# Run it after an intended API change (or after merging branches that added API), review `git diff src/*/PublicAPI.*`,
# and commit. Shipped files are never touched: moving lines from Unshipped to Shipped is a release step.
#
# Usage: scripts/update-public-api.sh [project.csproj ...]   (default: every project under src/ with a PublicAPI.Shipped.txt)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  projects=("$@")
else
  projects=()
  while IFS= read -r shipped; do
    dir=$(dirname "$shipped")
    projects+=("$(ls "$dir"/*.csproj)")
  done < <(find src -name PublicAPI.Shipped.txt | sort)
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Start from empty Unshipped files, so that a symbol that is no longer public leaves no stale line behind.
for project in "${projects[@]}"; do
  printf '#nullable enable\n' > "$(dirname "$project")/PublicAPI.Unshipped.txt"
done

# A full rebuild (analyzers report only on compiled projects) with the findings as warnings, not errors.
for project in "${projects[@]}"; do
  dotnet build "$project" --no-incremental -nodeReuse:false -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >>"$log" 2>&1 || true
done

for project in "${projects[@]}"; do
  full=$(cd "$(dirname "$project")" && pwd)/$(basename "$project")
  dir=$(dirname "$project")
  unshipped="$dir/PublicAPI.Unshipped.txt"
  # Each finding ends with "[/full/path/Project.csproj]": keep this project's, take the symbol between the quotes.
  added=$(grep -F "[$full]" "$log" | grep 'warning RS0016: ' \
    | sed -E "s/.*warning RS0016: Symbol '(.*)' is not part of the declared public API.*/\1/" | LC_ALL=C sort -u || true)
  removed=$(grep -F "[$full]" "$log" | grep 'warning RS0017: ' \
    | sed -E "s/.*warning RS0017: Symbol '(.*)' is part of the declared API.*/\1/" | LC_ALL=C sort -u || true)
  {
    printf '#nullable enable\n'
    [ -n "$added" ] && printf '%s\n' "$added"
    [ -n "$removed" ] && printf '*REMOVED*%s\n' "$removed" | LC_ALL=C sort -u
    true
  } > "$unshipped"
  echo "$unshipped: $(printf '%s' "$added" | grep -c . || true) added, $(printf '%s' "$removed" | grep -c . || true) removed"
done

if grep -q ' error ' "$log"; then
  echo "The build also failed for other reasons:" >&2
  grep ' error ' "$log" | LC_ALL=C sort -u >&2
  exit 1
fi
