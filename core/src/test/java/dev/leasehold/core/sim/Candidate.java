package dev.leasehold.core.sim;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.VirtualScheduler;

/** One incarnation of a simulated candidate process: its clock, its lock client and its elector. */
final class Candidate {

    final String identity;
    final VirtualScheduler.Clock clock;
    /** Its client of the lock store (of the primary, for a candidate on a multi-lock). */
    final InMemoryLock lock;
    /** Its client of the secondary store on a multi-lock, sharing the first client's faults; else null. */
    InMemoryLock secondary;
    /** What it runs on in a migration: "primary", "multi" or "secondary"; "single" otherwise. */
    String kind = "single";
    final long launchedAt;
    LeaderElector elector;
    int started;
    int stopped;
    /** Between the start of started-leading and the return of stopped-leading: doing leader work. */
    boolean working;
    boolean crashed;
    boolean closed;
    /** Ever cut off, or fed faults that can hide changes from it, since it was launched. */
    boolean faulted;
    /** Launched while the store was behind the highest term issued, or just before a reset: a fresh process. */
    boolean fresh;

    Candidate(String identity, VirtualScheduler.Clock clock, InMemoryLock lock, long launchedAt) {
        this.identity = identity;
        this.clock = clock;
        this.lock = lock;
        this.launchedAt = launchedAt;
    }

    boolean alive() {
        return !crashed && !closed;
    }

    /** A valid leadership handle, checked on this candidate's own clock. */
    boolean leads() {
        return alive() && elector.isLeader();
    }

    /** Doing leader work: a crashed process does nothing more. */
    boolean works() {
        return working && !crashed;
    }

    void crash() {
        crashed = true;
        clock.kill();
        lock.close();
        if (secondary != null) {
            secondary.close();
        }
    }

    /** Cuts it off from the API server (or reconnects it): both clients on a multi-lock. */
    void partition(boolean cut, boolean silently) {
        lock.partition(cut, silently);
        if (secondary != null) {
            secondary.partition(cut, silently);
        }
    }

    boolean isStopped() {
        return elector.state() == ElectorState.STOPPED;
    }

    @Override
    public String toString() {
        return identity + "@" + launchedAt / 1_000_000 + "ms" + (kind.equals("single") ? "" : "/" + kind);
    }
}
