package dev.leasehold.samples.operator;

import dev.leasehold.core.ElectionScheduler;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.lock.lease.LeaseLock;
import dev.leasehold.samples.embed.LeaderOnlyJob;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of an operator-style controller: all replicas run, one is active. The active one (the Lease's
 * holder) reconciles every {@code period}, and every write it makes carries its term ({@link Leadership#term()})
 * as a fencing token to a {@link FencedConfigMap}, which refuses a term older than one it has seen. A replica
 * that lost its term while a write was under way (paused, partitioned) therefore cannot overwrite its
 * successor's work: its write is rejected, counted, and the replica goes back to following.
 */
public final class Controller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

    /** The controller's work: the desired data, given the term and what the ConfigMap holds now. */
    @FunctionalInterface
    public interface Reconciler {
        Map<String, String> reconcile(Leadership leadership, Map<String, String> observed);
    }

    /** The Lease timings of a controller. */
    public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    }

    private final String identity;
    private final FencedConfigMap target;
    private final Reconciler reconciler;
    private final LeaderOnlyJob job;
    private final LeaderElector elector;
    private final AtomicLong writes = new AtomicLong();
    private final List<StaleTermException> rejected = new CopyOnWriteArrayList<>();

    /**
     * @param scheduler the elector's time source and timer (e.g. {@link ElectionScheduler#shared()})
     */
    public Controller(KubernetesClient client, String namespace, String leaseName, String identity,
            FencedConfigMap target, Reconciler reconciler, Duration period, Timings timings,
            ElectionScheduler scheduler) {
        this.identity = identity;
        this.target = target;
        this.reconciler = reconciler;
        this.job = new LeaderOnlyJob(identity, period, timings.renewDeadline(), this::reconcileOnce);
        this.elector = LeaderElector.builder()
                .lock(LeaseLock.builder().client(client).namespace(namespace).name(leaseName).identity(identity)
                        .build())
                .leaseDuration(timings.leaseDuration())
                .renewDeadline(timings.renewDeadline())
                .retryPeriod(timings.retryPeriod())
                .scheduler(scheduler)
                .onStartedLeading(job::start)
                .onStoppedLeading(job::stop)
                .build();
    }

    /** Starts competing; reconciles while leading. */
    public Controller start() {
        elector.start();
        return this;
    }

    private void reconcileOnce(Leadership leadership) {
        try {
            target.write(leadership.term(), observed -> reconciler.reconcile(leadership, observed));
            writes.incrementAndGet();
        } catch (StaleTermException e) {
            rejected.add(e);
            LOG.warn("{}: {}", identity, e.getMessage());
        }
    }

    public String identity() {
        return identity;
    }

    public boolean isLeader() {
        return elector.isLeader();
    }

    /** Writes accepted so far. */
    public long writes() {
        return writes.get();
    }

    /** Writes fenced off so far. */
    public List<StaleTermException> rejected() {
        return List.copyOf(rejected);
    }

    /**
     * Ends this replica as a crashed process ends: the job stops, the elector is told to close but not waited
     * for (its scheduler may be gone), and the Lease expires on its own unless the elector can still release it.
     */
    public void abandon() {
        job.close();
        elector.closeAsync();
    }

    /** Steps down (the job stops, then the Lease is released) and ends the job's thread. */
    @Override
    public void close() {
        try {
            elector.close();
        } finally {
            job.close();
        }
    }
}
