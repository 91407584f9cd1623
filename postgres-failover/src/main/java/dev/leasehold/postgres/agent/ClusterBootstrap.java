package dev.leasehold.postgres.agent;

import dev.leasehold.core.Leadership;
import dev.leasehold.postgres.Bootstrap;
import dev.leasehold.postgres.PostgresInstance;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the cluster: the holder of a valid term, with no data while no member has any and the Lease records no
 * cluster, runs initdb (crash safe, see {@link Bootstrap}), starts as the primary, checks a committed write, then
 * leads; the system identifier goes to the Lease with the next renew. Runs on the loop thread.
 */
final class ClusterBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class); // its lines are the agent's

    private final AgentConfig config;
    private final PostgresInstance pg;
    private final String name;
    private final AgentState state;
    private final ClusterView view;
    private final StatusBeat beat;
    private final LeaseAnnotations annotations;
    private final Leading leading;

    ClusterBootstrap(AgentConfig config, AgentState state, ClusterView view, StatusBeat beat,
            LeaseAnnotations annotations, Leading leading) {
        this.config = config;
        this.pg = config.member();
        this.name = config.name();
        this.state = state;
        this.view = view;
        this.beat = beat;
        this.annotations = annotations;
        this.leading = leading;
    }

    void run(Leadership l) {
        if (l == null || !l.isValid()) {
            return;
        }
        Optional<String> recorded = view.lease().systemId();
        if (recorded.isPresent()) { // the Decider says so too; checked again here, where it is acted on
            throw new IllegalStateException("the Lease records cluster " + recorded.get()
                    + ": a member without data clones, it never runs initdb");
        }
        Bootstrap.Result r = pg.initdb(config.bootstrap(), config.operationTimeout());
        if (!l.isValid()) {
            LOG.info("{}: term {} ended during initdb: not starting cluster {} as the primary", name, l.term(),
                    Long.toUnsignedString(r.systemIdentifier()));
            return;
        }
        state.pgWritable = true; // from the first moment the server may accept writes, the watchdog guards it
        pg.start(config.operationTimeout());
        PostgresInstance.WriteCheck w = pg.checkWrite();
        MemberStatus s = beat.sample();
        state.own = s;
        annotations.update(s, l, view.lease());
        LOG.info("{}: bootstrapped cluster {} for term {}: primary on timeline {} at {} ({})", name,
                Long.toUnsignedString(r.systemIdentifier()), l.term(), w.timeline(), w.lsn(),
                r.outcome() == Bootstrap.Outcome.CREATED ? "initdb" : "data found in place");
        leading.lead(l, s);
    }
}
