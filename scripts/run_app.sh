#!/usr/bin/env bash
# One command on a fresh machine: install healthplan (editable) and start the app on http://localhost:8501.
#
#   scripts/run_app.sh            # data folder: $HEALTHPLAN_DATA, else ../shared/data beside the repo
#   HEALTHPLAN_DATA=/path/to/data scripts/run_app.sh
#   PORT=8502 scripts/run_app.sh
#   ADDRESS=0.0.0.0 scripts/run_app.sh   # listen on every interface (the default is this machine only)
#
# The first view of a region builds its road network from the data folder and caches it under
# ~/.cache/healthplan (HEALTHPLAN_CACHE); later starts load it in milliseconds.  Without road data for a
# region the app still shows the plan layers and offers to download an OpenStreetMap extract.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
echo "installing healthplan (pip; a few minutes on a new machine)" >&2
"$PYTHON" -m pip install -e .
# bytecode of the project's own modules: an editable install compiles none, and where PYTHONDONTWRITEBYTECODE
# is set (as on this project's machines) Python would compile them again at every start (≈ 0.35 s a command)
"$PYTHON" -m compileall -q -j 0 spatial layers views healthplan app.py  # -q: only errors are printed
"$PYTHON" -c "from spatial.traveltime import prepare_kernels; prepare_kernels(lambda m, f=None: print(m))"
exec "$PYTHON" -m streamlit run app.py \
  --server.headless true \
  --server.port "${PORT:-8501}" \
  --server.address "${ADDRESS:-127.0.0.1}" \
  --browser.gatherUsageStats false
