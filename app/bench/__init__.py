"""Benchmarks behind `supportdesk bench` (JSON out): speed and memory targets live here, not in
timed tests. `app.bench.tickets` measures the Tickets pane at scale; `app.bench.sync` measures
replication against a loopback PostgreSQL."""
