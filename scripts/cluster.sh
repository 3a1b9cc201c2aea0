#!/usr/bin/env bash
# A livescope cluster on one machine: Redis (persistence on), three relay nodes behind the nginx relay front, the
# origin behind the nginx edge cache, and the demo pages pointing at the two fronts; prints the URLs; Ctrl-C stops
# everything. No root needed (nginx and Redis run as you, in the foreground); state under build/cluster-data.
# Options go to scripts/lib/cluster.mjs: --port 8080 (pages), --edge-port 8081, --relay-port 8082 (0 = pick free
# ones), --nodes 3, --data DIR, --title T. Needs the native and wasm builds (scripts/build.sh native wasm), and
# Debian's redis-server and nginx (scripts/bootstrap.sh installs them). docs/scale-out.md, "A cluster on one machine".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

node scripts/lib/cluster.mjs "$@" &
child=$!

# On Ctrl-C (the terminal signals the whole foreground group) or a TERM/HUP to this script: let the launcher stop its
# children in order, then end whatever is left in our process group (only when this script leads its own group, as
# it does from a terminal or a detached start: never the caller's group).
stop() {
  trap '' INT TERM HUP
  kill -TERM "$child" 2>/dev/null
  wait "$child" 2>/dev/null
  local pgid
  pgid=$(ps -o pgid= -p $$ | tr -d ' ')
  if [ "$pgid" = "$$" ]; then kill -TERM -- "-$pgid" 2>/dev/null; fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM HUP
wait "$child"
rc=$?
stop
exit "$rc"
