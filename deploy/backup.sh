#!/usr/bin/env bash
# Back up gonghui: the database (pg_dump custom format) and the uploaded files (var/media), with a
# checksum; keep 14 days. The keys (GONGHUI_PII_KEYS, GONGHUI_BLIND_INDEX_KEY) are NOT in the backup and
# must be kept apart: personal data in the dump is encrypted with them. Restore: docs/operations.md.
set -euo pipefail
target="${1:?usage: backup.sh DIRECTORY}"
stamp="$(date +%Y%m%d-%H%M%S)"
dir="$target/$stamp"
mkdir -p "$dir"
pg_dump --format=custom --no-owner --file="$dir/gonghui.dump" "${DATABASE_URL:?DATABASE_URL is not set}"
media="${GONGHUI_VAR_DIR:-/srv/gonghui/var}/media"
if [ -d "$media" ]; then tar -C "$media" -czf "$dir/media.tar.gz" .; fi
(cd "$dir" && sha256sum ./* > SHA256SUMS)
find "$target" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} +
echo "backup written to $dir"
