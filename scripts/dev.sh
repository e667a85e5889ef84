#!/usr/bin/env bash
# Runs api, worker and beat together with prefixed output. Ctrl-C (or SIGTERM) stops all three gracefully; a
# second Ctrl-C a moment later kills them. If one of them exits, the others are stopped too.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/load-env.sh
load_env .env
export LOG_FORMAT="${LOG_FORMAT:-pretty}"

names=()
pids=()
start() {
  local name="$1"
  # The bundle the npm scripts and the systemd units run (with their flags), started as one node process: npm
  # would relay (or drop) the stop signal, and a service that sees two signals skips its graceful stop. The
  # output goes through a prefixing filter; $! stays the service itself.
  node --enable-source-maps --max-old-space-size=512 "dist/$name.js" > >(sed -u "s/^/$(printf '%-9s' "[$name]")/") 2>&1 &
  names+=("$name")
  pids+=("$!")
}

# One build for the three (dist/, npm run build): the sources as they are now.
npm run --silent build || exit 1

stopping=0
stopped_at=0
stop_all() {
  if ((stopping)); then
    # npm relays a terminal's Ctrl-C to this script as well, so a signal within a second is the same Ctrl-C.
    ((SECONDS - stopped_at >= 1)) || return 0
    echo "dev: killing ${names[*]}"
    for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
    return 0
  fi
  stopping=1
  stopped_at=$SECONDS
  echo "dev: stopping ${names[*]} (Ctrl-C again to kill)"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
}
trap stop_all INT TERM

# Job control gives each service a process group of its own, so a terminal's Ctrl-C reaches only this script,
# which sends each service exactly one SIGTERM; it is switched off again to keep bash's job notices quiet.
set -m
start api
start worker
start beat
set +m
echo "dev: api, worker and beat started (pids ${pids[*]}); Ctrl-C stops them"

code=0
wait -n "${pids[@]}"
code=$?
if ((!stopping)); then
  echo "dev: a service exited with code $code; stopping the others"
  stop_all
fi
for pid in "${pids[@]}"; do
  # wait returns early when a trapped signal arrives; keep waiting until each service is gone.
  while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
done
((stopping && code >= 128)) && code=0
exit "$code"
