package dev.leasehold.samples.josdk;

import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a java-operator-sdk {@link Operator} only while this process holds a Leasehold lease, with JOSDK's own
 * leader election left off: started-leading builds and starts a fresh operator for the new term (its reconcilers
 * get the term's {@link Leadership}, a fencing token); stopped-leading stops it. Losing the lease stops the
 * reconcilers and keeps the process running and competing; nothing calls {@code System.exit}.
 *
 * <pre>{@code
 * try (LeaderOnlyOperator operator = new LeaderOnlyOperator(client, lock, Duration.ofSeconds(3),
 *         (op, leadership) -> op.register(new MyReconciler(client, leadership)))) {
 *     operator.start();
 *     awaitShutdown();
 * }
 * }</pre>
 */
public final class LeaderOnlyOperator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderOnlyOperator.class);

    private final KubernetesClient client;
    private final Duration stopTimeout;
    private final BiConsumer<Operator, Leadership> register;
    private final LeaderElector elector;
    private volatile Operator running;
    private volatile int operatorsStarted;

    /**
     * @param client the client the operator uses; it stays yours (the operator never closes it)
     * @param lock the lease to hold, e.g. a {@link dev.leasehold.lock.lease.LeaseLock}
     * @param stopTimeout how long a stopping operator waits for reconciliations in flight; keep it under
     *     {@code leaseDuration - renewDeadline}, the margin before another replica may lead
     * @param register registers the reconcilers on each new operator, with the term they run under
     */
    public LeaderOnlyOperator(KubernetesClient client, ResourceLock lock, Duration stopTimeout,
            BiConsumer<Operator, Leadership> register) {
        this(client, LeaderElector.builder().lock(lock), stopTimeout, register);
    }

    /** As above, with an elector builder whose timings you chose (its callbacks are set here). */
    public LeaderOnlyOperator(KubernetesClient client, dev.leasehold.core.LeaderElectorBuilder electorBuilder,
            Duration stopTimeout, BiConsumer<Operator, Leadership> register) {
        if (stopTimeout == null || stopTimeout.isNegative() || stopTimeout.isZero()) {
            throw new IllegalArgumentException("stopTimeout must be positive, was " + stopTimeout);
        }
        this.client = client;
        this.stopTimeout = stopTimeout;
        this.register = register;
        this.elector = electorBuilder.onStartedLeading(this::startOperator).onStoppedLeading(this::stopOperator)
                .build();
    }

    public void start() {
        elector.start();
    }

    public LeaderElector elector() {
        return elector;
    }

    /** The operator of the current term, while this process leads. */
    public Optional<Operator> operator() {
        return Optional.ofNullable(running);
    }

    /** How many operators (terms) this process has started. */
    public int operatorsStarted() {
        return operatorsStarted;
    }

    private void startOperator(Leadership leadership) {
        Operator operator = new Operator(o -> o.withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withReconciliationTerminationTimeout(stopTimeout));
        register.accept(operator, leadership);
        try {
            operator.start();
        } catch (RuntimeException e) {
            // a failed start stops itself; the elector keeps the lease until its term ends or it is closed
            log.error("{}: the operator did not start for term {}", leadership.identity(), leadership.term(), e);
            return;
        }
        running = operator;
        operatorsStarted++;
        log.info("{}: operator started for term {}", leadership.identity(), leadership.term());
    }

    private void stopOperator() {
        Operator operator = running;
        running = null;
        if (operator != null) {
            operator.stop();
            log.info("{}: operator stopped", elector.identity());
        }
    }

    /** Stops the operator (if leading), then releases the lease. */
    @Override
    public void close() {
        elector.close();
    }
}
