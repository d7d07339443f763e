# Sourced by build_gazetteer.sh and build_admin2.sh: makes sure $VENV holds a Python with the pinned
# packages of scripts/requirements-gazetteer.txt (recreated when that file changes).
# Needs: ROOT, VENV; optional PYTHON (default python3).
REQ="$ROOT/scripts/requirements-gazetteer.txt"
STAMP="$VENV/.req.sha256"
if [[ ! -x "$VENV/bin/python" ]] || ! sha256sum --status -c "$STAMP" 2>/dev/null; then
  echo ">> creating venv $VENV"
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet -r "$REQ"
  sha256sum "$REQ" > "$STAMP"
fi
