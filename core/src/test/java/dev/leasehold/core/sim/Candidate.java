package dev.leasehold.core.sim;

import dev.leasehold.core.ElectorState;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.testing.InMemoryLock;
import dev.leasehold.core.testing.VirtualScheduler;

/** One incarnation of a simulated candidate process: its clock, its lock client and its elector. */
final class Candidate {

    final String identity;
    final VirtualScheduler.Clock clock;
    final InMemoryLock lock;
    final LeaderElector elector;
    int started;
    int stopped;
    boolean crashed;
    boolean closed;

    Candidate(String identity, VirtualScheduler.Clock clock, InMemoryLock lock, LeaderElector elector) {
        this.identity = identity;
        this.clock = clock;
        this.lock = lock;
        this.elector = elector;
    }

    boolean alive() {
        return !crashed && !closed;
    }

    /** A valid leadership handle, checked on this candidate's own clock. */
    boolean leads() {
        return alive() && elector.isLeader();
    }

    void crash() {
        crashed = true;
        clock.kill();
        lock.close();
    }

    boolean isStopped() {
        return elector.state() == ElectorState.STOPPED;
    }
}
