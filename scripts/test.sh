#!/usr/bin/env bash
# Set up a fresh machine for the test suite and run it: system packages (Chromium + CJK fonts for the
# browser test, gdal-bin as an independent reader of exports), the project with its dev extras, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)
# (the font list is read once into a variable: `fc-list | grep -q` can fail under pipefail when grep
# stops reading early and fc-list dies of SIGPIPE)
fonts="$(fc-list 2>/dev/null || true)"
grep -qi "WenQuanYi Micro Hei" <<<"$fonts" || need+=(fonts-wqy-microhei)
grep -qi "Noto Sans CJK" <<<"$fonts" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing system packages: ${need[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "please install as root: apt-get install ${need[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
echo "installing healthplan with its test dependencies (pip; a few minutes on a new machine)" >&2
"$PYTHON" -m pip install -e ".[dev]"
# bytecode of the project's own modules: an editable install compiles none, and where PYTHONDONTWRITEBYTECODE
# is set (as on this project's machines) Python would compile them again at every start (≈ 0.35 s a command)
"$PYTHON" -m compileall -q -j 0 spatial layers views healthplan app.py  # -q: only errors are printed
echo "compiling the travel-time kernels if this machine has none yet" >&2
"$PYTHON" -c "from spatial.traveltime import prepare_kernels; prepare_kernels(lambda m, f=None: print(m))"
echo "type-checking spatial/ and layers/ (mypy)" >&2
"$PYTHON" -m mypy  # [tool.mypy] in pyproject.toml; set -e stops here on a type error
# -n auto: one pytest worker per core (pytest-xdist); the suite is CPU-bound
exec "$PYTHON" -m pytest -n auto "$@"
