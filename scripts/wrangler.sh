#!/bin/sh
# wrangler for local work: no telemetry, no error reports, no update banner, no fetch of
# Cloudflare's request.cf data, and its config/auth files kept in the project's
# gitignored .wrangler/ rather than the home folder. Nothing here needs the network.
export WRANGLER_SEND_METRICS=false
export WRANGLER_HIDE_BANNER=true
export WRANGLER_SEND_ERROR_REPORTS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export XDG_CONFIG_HOME="$(cd "$(dirname "$0")/.." && pwd)/.wrangler/config"
mkdir -p "$XDG_CONFIG_HOME"
exec npx --no-install wrangler "$@"
