#!/usr/bin/env bash
# Relay benchmark: held WebSocket clients, comment fan-out latency (with a 20 ms-tick reference relay side by side),
# the adaptive tick beside the fixed one (a small quiet room's comment latency, a big busy room's frames per client),
# per-client message rate while 1,000 clients send hearts, and Q&A: 1,000 viewers voting on 50 questions beside the
# same room with voting off. Prints figures; never fails on numbers.
# Assumes build/native (or $LIVESCOPE_BIN) holds livescope-relay and livescope-relay-bench. Default run < 2 min.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${LIVESCOPE_BIN:-$ROOT/build/native/bin}
CONNS=${RELAY_BENCH_CONNECTIONS:-10000}
FANOUT_RECEIVERS=${RELAY_BENCH_RECEIVERS:-500}
HEART_CLIENTS=${RELAY_BENCH_HEART_CLIENTS:-1000}
VOTE_CLIENTS=${RELAY_BENCH_VOTE_CLIENTS:-1000}
DURATION=${RELAY_BENCH_DURATION_S:-10}
say() { printf '[bench relay] %s\n' "$*"; }

for b in livescope-relay livescope-relay-bench; do
  [ -x "$BIN/$b" ] || { say "missing $BIN/$b (build the native preset first)"; exit 0; }
done
# Each side holds one descriptor per client: raise the soft limit as far as the hard limit allows.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say "open-file limit $(ulimit -n); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"

RELAY_PID=""
SAMPLER_PID=""
cleanup() {
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
  RELAY_PID=""; SAMPLER_PID=""
}
trap cleanup EXIT INT TERM

# Every bench client comes from 127.0.0.1: lift the per-address budgets (docs/relay.md), which would otherwise
# refuse all but 400 connections and hold one address to 10 comments/s.
UNBUDGETED=(--max-conns-per-ip 1000000 --ip-comment-rate 1e6 --ip-comment-burst 1e6 --ip-heart-rate 1e7 --ip-heart-burst 1e7
  --ip-join-rate 1e6 --ip-join-burst 1e6 --max-queued-kib-per-ip 4194304)

# start_relay [extra args...]: sets RELAY_PID and PORT.
start_relay() {
  local log; log=$(mktemp)
  "$BIN/livescope-relay" --port 0 "${UNBUDGETED[@]}" "$@" >"$log" 2>&1 &
  RELAY_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's#.*listening on ws://127.0.0.1:\([0-9]*\).*#\1#p' "$log" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  rm -f "$log"
  [ -n "$PORT" ] || { say "relay did not start"; cleanup; return 1; }
}

# stop_relay: SIGTERM, report exit status and peak RSS seen by the sampler.
stop_relay() {
  kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null; SAMPLER_PID=""
  kill -TERM "$RELAY_PID"; wait "$RELAY_PID"; local rc=$?
  say "relay exited with status $rc after SIGTERM; peak RSS $(cat "$PEAK" 2>/dev/null || echo '?') MiB"
  RELAY_PID=""
}

# sample_rss: peak VmRSS of the relay (MiB) into $PEAK while it runs.
PEAK=$(mktemp)
sample_rss() {
  echo 0 >"$PEAK"
  ( peak=0; while kill -0 "$RELAY_PID" 2>/dev/null; do
      kb=$(awk '/VmRSS/ {print $2}' "/proc/$RELAY_PID/status" 2>/dev/null || echo 0)
      [ "${kb:-0}" -gt "$peak" ] && peak=$kb && echo $((peak / 1024)) >"$PEAK"
      sleep 0.5
    done ) &
  SAMPLER_PID=$!
}

# RELAY_BENCH_ONLY_LOG=1 runs phase 5 alone; RELAY_BENCH_ONLY_TICK=1 runs phase 6 alone.
if [ "${RELAY_BENCH_ONLY_LOG:-0}" != 1 ] && [ "${RELAY_BENCH_ONLY_TICK:-0}" != 1 ]; then
say "1/5 held connections: $CONNS clients in one room"
start_relay && sample_rss && {
  timeout 90 "$BIN/livescope-relay-bench" connections --port "$PORT" --clients "$CONNS" --hold-s 3 --timeout-s 60
  stop_relay
}

say "2/5 fan-out: 100 comments/s from 100 senders to $FANOUT_RECEIVERS receivers, ${DURATION} s; fixed 200 ms tick vs reference fixed 20 ms tick"
for tick in 200 20; do
  label="tick ${tick} ms"; [ "$tick" = 20 ] && label="reference, tick 20 ms"
  start_relay --tick fixed --tick-ms "$tick" && sample_rss && {
    timeout 60 "$BIN/livescope-relay-bench" fanout --port "$PORT" --clients "$FANOUT_RECEIVERS" --senders 100 --rate 100 \
      --duration-s "$DURATION" --label "$label"
    stop_relay
  }
done

say "3/5 hearts: $HEART_CLIENTS clients each sending 5 hearts messages/s (10 taps/s), ${DURATION} s"
start_relay && sample_rss && {
  timeout 60 "$BIN/livescope-relay-bench" hearts --port "$PORT" --clients "$HEART_CLIENTS" --duration-s "$DURATION"
  stop_relay
}
say "4/5 Q&A: $VOTE_CLIENTS viewers, 50 questions; ${DURATION} s voting off, then ${DURATION} s of 1 vote/s per viewer"
start_relay && sample_rss && {
  timeout 120 "$BIN/livescope-relay-bench" votes --port "$PORT" --clients "$VOTE_CLIENTS" --questions 50 --votes-per-s 1 \
    --duration-s "$DURATION" --relay-pid "$RELAY_PID"
  stop_relay
}
fi
rm -f "$PEAK"

# Phase 5: the room log. The same chat-and-hearts load with the log off (--no-log), then on (SQLite, WAL, one
# transaction per tick): the relay's CPU side by side, the records it wrote per second, and the log's disk bytes
# (database + WAL after the run), extrapolated to an hour.
if [ "${RELAY_BENCH_ONLY_TICK:-0}" != 1 ]; then
CHAT_CLIENTS=${RELAY_BENCH_CHAT_CLIENTS:-1000}
say "5/5 room log: $CHAT_CLIENTS viewers chatting (1 comment/10 s each) and tapping hearts (1 msg/s each), ${DURATION} s; log off, then on"
LOGDIR=$(mktemp -d)
for mode in off on; do
  if [ "$mode" = off ]; then logargs=(--no-log); else logargs=(--log-db "$LOGDIR/rooms.sqlite"); fi
  out="$LOGDIR/relay-$mode.out"
  "$BIN/livescope-relay" --port 0 "${UNBUDGETED[@]}" "${logargs[@]}" >"$out" 2>&1 &
  RELAY_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(sed -n 's#.*listening on ws://127.0.0.1:\([0-9]*\).*#\1#p' "$out" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
  done
  [ -n "$PORT" ] || { say "relay did not start"; cat "$out"; cleanup; continue; }
  timeout 120 "$BIN/livescope-relay-bench" chat --port "$PORT" --clients "$CHAT_CLIENTS" --duration-s "$DURATION" \
    --relay-pid "$RELAY_PID" --label "log $mode"
  kill -TERM "$RELAY_PID"; wait "$RELAY_PID"; RELAY_PID=""
  if [ "$mode" = on ]; then
    records=$(sed -n 's/.*room log: \([0-9]*\) records written.*/\1/p' "$out")
    bytes=$(cat "$LOGDIR"/rooms.sqlite* 2>/dev/null | wc -c)
    say "log on: ${records:-?} records written in the run (~$(( ${records:-0} / DURATION ))/s, one transaction per 200 ms tick)"
    say "log on: ${bytes} bytes on disk (database + WAL) for ${DURATION} s: ~$(( bytes * 3600 / DURATION / 1048576 )) MiB per hour of this load (extrapolated)"
  fi
done
rm -rf "$LOGDIR"
fi

# Phase 6: the tick (docs/relay.md "The tick"). The same two rooms on the fixed 200 ms tick, then on the adaptive
# one: a small quiet room (its comment latency; goal p99 <= 50 ms) and a big busy room with hearts (frames per client
# per second; goal about 10 at most).
QUIET_S=${RELAY_BENCH_QUIET_S:-15}
BUSY_CLIENTS=${RELAY_BENCH_BUSY_CLIENTS:-1000}
say "6/6 tick: a quiet room (10 receivers, 1 comment/s at a random phase, ${QUIET_S} s), a busy room ($BUSY_CLIENTS receivers, 100 comments/s from 100 senders, 1 hearts message/s per receiver, ${DURATION} s); fixed 200 ms tick vs adaptive"
for tick in fixed adaptive; do
  start_relay --tick "$tick" && sample_rss && {
    timeout 60 "$BIN/livescope-relay-bench" fanout --port "$PORT" --clients 10 --senders 1 --rate 1 --duration-s "$QUIET_S" \
      --random-phase 1 --relay-pid "$RELAY_PID" --label "quiet room, $tick tick"
    stop_relay
  }
  start_relay --tick "$tick" && sample_rss && {
    timeout 120 "$BIN/livescope-relay-bench" fanout --port "$PORT" --clients "$BUSY_CLIENTS" --senders 100 --rate 100 \
      --receiver-hearts-per-s 1 --duration-s "$DURATION" --relay-pid "$RELAY_PID" --label "busy room, $tick tick"
    stop_relay
  }
done
