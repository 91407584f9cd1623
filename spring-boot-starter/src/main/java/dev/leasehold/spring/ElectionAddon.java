package dev.leasehold.spring;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LeaderElector;

/** Something that hears each elector the election builds: metrics, Kubernetes events. */
interface ElectionAddon {

    /** The listener for the next elector, asked before it is built. */
    ElectorListener listener(ElectionSettings settings);

    /** The elector built with that listener, before it starts. */
    default void built(LeaderElector elector) {
    }

    /** That elector has closed. */
    default void closed() {
    }
}
