#!/usr/bin/env bash
# Builds the AppHost's default build (the Kafka container, compose publishing) on a machine whose NuGet feed does not
# serve Aspire.Hosting.Kafka and Aspire.Hosting.Docker, against the check-only copies in ../shared/aspire-feed
# (its README says where they come from). Users restore the real packages from nuget.org and never need this.
#
# - Those two packages go into a package cache of this build's own (artifacts/apphost-default/packages), never into
#   the machine's; every other package is read from the machine's cache (a fallback folder) or restored as usual.
# - Its own artifacts folder (artifacts/apphost-default), so it does not clash with the -p:EmbeddedKafka=true build.
#
# The compose tests (Tests/AppHost/ComposePublishTests.cs) run the AppHost.dll this writes.
# Usage: tools/apphost-default.sh [path to the aspire-feed folder, default ../shared/aspire-feed]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
feed=$(realpath "${1:-$root/../shared/aspire-feed}")
[ -f "$feed/Aspire.Hosting.Kafka.13.6.5.nupkg" ] || { echo "no Aspire.Hosting.Kafka package in $feed"; exit 1; }
out="$root/artifacts/apphost-default"
machine_cache=${NUGET_PACKAGES:-$HOME/.nuget/packages}
mkdir -p "$out/packages"
NUGET_PACKAGES="$out/packages" dotnet build "$root/AppHost/AppHost.csproj" -c Debug -warnaserror --nologo -v quiet \
  --artifacts-path "$out" \
  -p:RestoreAdditionalProjectSources="$feed" \
  -p:RestoreFallbackFolders="$machine_cache"
echo "default AppHost: $out/bin/AppHost/debug/AppHost.dll"
