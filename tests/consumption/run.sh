#!/usr/bin/env bash
# NuGet consumption test: packs the shipped libraries into a local folder feed, then builds and runs a fresh
# console project outside the repository that restores our packages from that feed only (package source
# mapping) and everything else from the machine's configured sources. The consumer references the main package
# MaMA.MLNet and runs LoadMammograms -> MaMAImageEmbedding (TorchSharp) on phantom PNGs. Exit 0 when it ran.
# With MAMA_CONSUMPTION_TOOL=1 it also packs the mama tool (about 2-3 extra minutes: a 150 MB package),
# installs it from the feed into a tool path and runs `mama --help`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
config=${CONFIGURATION:-Release}
# A version no earlier run used, so the NuGet cache can never hand back a stale copy of our packages.
version="0.1.0-consumption.$(date +%s)"
feed="$repo/nuget/feed"
work=$(mktemp -d)
cleanup() { rm -f "$feed"/*."$version".*nupkg; rm -rf "$work" "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/mama.mlnet*/"$version"; }
trap cleanup EXIT

mkdir -p "$feed"
for project in "$repo"/src/*/*.csproj; do
  # The command-line tool is packed by its own (optional) step below: it is a .NET tool, not a library.
  case "$project" in *Cli*) continue ;; esac
  dotnet pack "$project" -c "$config" -o "$feed" -p:Version="$version" --nologo -v quiet
done

cp "$repo"/tests/consumption/template/* "$work"/
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="mama-local" value="$feed" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="mama-local"><package pattern="MaMA.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cd "$work"
dotnet run -c Release -p:MaMAPackageVersion="$version" --nologo
# Captured first: `readelf | grep -q` under pipefail fails at random when grep exits early and readelf gets SIGPIPE.
versions=$(readelf -V -W bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so)
grep -q "GLIBCXX_3.4.32  Flags: WEAK" <<<"$versions" \
  || { echo "consumer: libLibTorchSharp.so in the consumer's output is not patched" >&2; exit 1; }
echo "consumer: the packaged native fix was applied"

if [ "${MAMA_CONSUMPTION_TOOL:-0}" = "1" ]; then
  dotnet pack "$repo/src/MaMA.MLNet.Cli/MaMA.MLNet.Cli.csproj" -c "$config" -o "$feed" -p:Version="$version" --nologo -v quiet
  # The work folder's nuget.config maps MaMA.* to the feed (--add-source cannot be combined with source mapping).
  dotnet tool install --tool-path "$work/tool" --configfile "$work/nuget.config" MaMA.MLNet.Cli --version "$version"
  help=$("$work/tool/mama" --help)
  grep -q "demo" <<<"$help" || { echo "consumer: the installed mama tool did not list its commands" >&2; exit 1; }
  echo "consumer: the mama tool installed from the feed and ran"
fi
