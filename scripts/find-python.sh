#!/usr/bin/env sh
# Print the path of a Python matching .python-version (3.13), or fail with a clear message.
# The machine's default python3 may be older, so we look for python3.13 on PATH and in pyenv.
want=$(cat "$(dirname "$0")/../.python-version" 2>/dev/null || echo 3.13)
for candidate in "python$want" "$HOME/.pyenv/versions/$want"*/bin/python"$want" /usr/local/bin/python"$want" /usr/bin/python"$want"; do
  for p in $candidate; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c "import sys; sys.exit(0 if sys.version_info[:2] == tuple(map(int, '$want'.split('.'))) else 1)" 2>/dev/null; then
      command -v "$p"
      exit 0
    fi
  done
done
echo "Python $want not found. Install it (e.g. 'pyenv install $want' or 'apt-get install python$want') and retry." >&2
exit 1
