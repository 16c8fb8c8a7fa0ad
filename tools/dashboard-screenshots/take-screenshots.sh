#!/usr/bin/env bash
# Runs the AppHost (embedded broker build) as a user would, waits until Parquet is committed and the
# dashboard has a trace across both services, takes the README's screenshots into docs/images/, then
# stops the AppHost with Ctrl+C (SIGINT) and checks that none of its processes is left.
# Needs Debian's chromium (apt-get install chromium) and Node.js; installs puppeteer-core itself.
set -euo pipefail
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
setsid dotnet run --project "$root/AppHost" --no-build -p:EmbeddedKafka=true -- \
  --Parameters:data-directory="$data" >"$log" 2>&1 &
apphost=$!
stop() {
  kill -INT -- "-$apphost" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$apphost" 2>/dev/null || break; sleep 1; done
}
trap stop EXIT

dashboard=http://localhost:15000
until curl -fsS -o /dev/null "$dashboard"; do sleep 1; done
printf 'dashboard up after %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
until find "$data/output" -name '*.parquet' 2>/dev/null | grep -q .; do sleep 1; done
printf 'first Parquet after %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"

for attempt in $(seq 1 30); do
  node "$here/screenshots.mjs" "$dashboard" "$api_key" "$images" && break
  sleep 5
done

stop
trap - EXIT
left=$(pgrep -f "$data|dcp|Aspire.Dashboard" || true)
if [ -n "$left" ]; then echo "left behind: $left"; exit 1; fi
echo "stopped cleanly; nothing left running"
rm -rf "$data"
