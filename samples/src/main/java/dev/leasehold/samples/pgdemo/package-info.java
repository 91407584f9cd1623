/**
 * The PostgreSQL HA demo, README's first command: {@link dev.leasehold.samples.pgdemo.PgDemo}.
 *
 * <p>What it shows: real PostgreSQL servers (the test harness), one agent per member as a separate process
 * configured by environment variables, an embedded Kubernetes API (or a real one), kill -9 of the primary, the
 * failover, the killed member's rejoin, a planned switchover when the agent has the endpoint, a summary and a
 * timeline chart ({@link dev.leasehold.samples.pgdemo.TimelineChart}, also used by the pg benchmark).
 *
 * <p>Limits: the figures are one run's on whatever machine it runs on (the benchmarks in samples measure them
 * properly); with Maven's PostgreSQL binaries (no {@code pg_rewind}, no {@code pg_basebackup}) the killed member
 * rejoins by a local copy (the agents know each other's data directories: all run on this machine); {@code --kubernetes=real} passes the API URL and a bearer token to the
 * agents (client-certificate kubeconfigs are not passed on) and has not been run against a real cluster here.
 */
package dev.leasehold.samples.pgdemo;
