-- wrk script: print one machine-readable line after the run, for bench/lib.sh's wrk_run:
--   RESULT <requests/s> <MB/s (10^6 bytes of responses, headers included)> <errors>
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT %.0f %.1f %d\n", summary.requests / s, summary.bytes / s / 1e6, errors))
end
