#!/usr/bin/env bash
# Runs the AppHost (embedded broker build) as a user would, waits until Parquet is committed and the
# dashboard has a trace across both services, takes the README's screenshots into docs/images/, then
# stops the AppHost with Ctrl+C (SIGINT) and checks that none of its processes is left.
# Needs Debian's chromium (apt-get install chromium) and Node.js; installs puppeteer-core itself.
set -euo pipefail
# Job control: the AppHost gets its own process group and, unlike a plain background job, does not
# inherit an ignored SIGINT, so the Ctrl+C below reaches it as it would in a terminal.
set -m
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
images="$root/docs/images"
data=$(mktemp -d)
log="$data/apphost.log"

(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
dotnet build "$root/AppHost/AppHost.csproj" -p:EmbeddedKafka=true --nologo -v quiet

# Anonymous dashboard and a known API key: this run is local and short-lived.
api_key=$(head -c 24 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')
export ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS=true DASHBOARD__API__PRIMARYAPIKEY="$api_key"
start=$(date +%s.%N)
since() { awk -v from="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - from }'; }
dotnet run --project "$root/AppHost" --no-build -p:EmbeddedKafka=true -- \
  --Parameters:data-directory="$data" >"$log" 2>&1 &
apphost=$!
# Every process of the run: the orchestrator, the dashboard and the projects it started from this checkout.
run_processes() { pgrep -f "aspire.hosting.orchestration|Aspire.Dashboard|$root/artifacts/bin/|dotnet run --project $root" || true; }
stop() {
  local stopping
  stopping=$(date +%s.%N)
  kill -INT -- "-$apphost" 2>/dev/null || true
  for _ in $(seq 1 90); do kill -0 "$apphost" 2>/dev/null || break; sleep 1; done
  echo "Ctrl+C: the AppHost exited after $(since "$stopping") s"
  for _ in $(seq 1 90); do [ -z "$(run_processes)" ] && break; sleep 1; done
  echo "Ctrl+C: every process of the run ended after $(since "$stopping") s"
}
trap stop EXIT

dashboard=http://localhost:15000
until curl -fs -o /dev/null "$dashboard"; do sleep 1; done
echo "dashboard up after $(since "$start") s"
until find "$data/output" -name '*.parquet' 2>/dev/null | grep -q .; do sleep 1; done
echo "first Parquet after $(since "$start") s"

# A minute of data, so the metric's chart has a slope to show.
until [ "$(since "$start" | cut -d. -f1)" -ge 60 ]; do sleep 1; done
for attempt in $(seq 1 6); do
  node "$here/screenshots.mjs" "$dashboard" "$api_key" "$images" && break
  [ "$attempt" -lt 6 ] || { echo "no screenshots after $attempt attempts"; exit 1; }
  sleep 5
done

stop
trap - EXIT
left=$(run_processes)
if [ -n "$left" ]; then echo "left behind:"; ps -o pid,cmd -p $left; exit 1; fi
echo "stopped cleanly; nothing left running"
rm -rf "$data"
