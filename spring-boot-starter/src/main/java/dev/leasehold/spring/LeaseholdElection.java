package dev.leasehold.spring;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.Health;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.core.Leadership;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * The application's part in the election, run by the Spring lifecycle: it starts competing once the context has
 * started (the last phase, after the application's beans) and, when the context stops, steps down and releases
 * the lock first. While it runs, it publishes {@link StartLeadingEvent}, {@link StopLeadingEvent} and
 * {@link NewLeaderEvent}.
 *
 * <p>Inject it to ask {@link #isLeader()} or for the current {@link #leadership()} (its term is a fencing token).
 * A stopped election may start again (a new elector competes).
 *
 * <p>While it runs it keeps one non-daemon thread, {@value #KEEP_ALIVE_THREAD}, waiting (unless
 * {@code leasehold.election.keep-alive=false}): the elector's own threads are daemons, so without it an application
 * with no web server would exit as soon as its {@code main} returned and never lead. The thread ends when the
 * election stops, so closing the context (SIGTERM runs Spring's shutdown hook) still lets the JVM exit.
 */
public final class LeaseholdElection implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LeaseholdElection.class);

    /** The name of the non-daemon thread that keeps the JVM alive while the election runs. */
    public static final String KEEP_ALIVE_THREAD = "leasehold-keep-alive";

    private final ElectionSettings settings;
    private final KubernetesClient client;
    private final ApplicationEventPublisher publisher;
    private final List<ElectionAddon> addons;
    private final List<ElectorListener> listeners;
    private final boolean keepAlive;
    private CountDownLatch keeping;
    private LeaderElector next;
    private volatile LeaderElector elector;
    private volatile boolean running;

    LeaseholdElection(ElectionSettings settings, KubernetesClient client, ApplicationEventPublisher publisher,
            List<ElectionAddon> addons, List<ElectorListener> listeners, boolean keepAlive) {
        this.settings = settings;
        this.keepAlive = keepAlive;
        this.client = client;
        this.publisher = publisher;
        this.addons = List.copyOf(addons);
        this.listeners = List.copyOf(listeners);
        this.next = build(); // fails the context at once on a bad setting
    }

    public ElectionSettings settings() {
        return settings;
    }

    public String identity() {
        return settings.identity();
    }

    /** True while this application holds a valid term. */
    public boolean isLeader() {
        LeaderElector e = elector;
        return e != null && e.isLeader();
    }

    /** The current term, while it is valid. */
    public Optional<Leadership> leadership() {
        LeaderElector e = elector;
        return e == null ? Optional.empty() : e.leadership();
    }

    /** The holder this application last observed (itself included). */
    public Optional<String> currentLeader() {
        LeaderElector e = elector;
        return e == null ? Optional.empty() : e.currentLeader();
    }

    /** The running elector's health check; empty while the election is not running. */
    public Optional<Health> health() {
        LeaderElector e = elector;
        return running && e != null ? Optional.of(e.health()) : Optional.empty();
    }

    /** The elector of the current run, if it ever started. */
    public Optional<LeaderElector> elector() {
        return Optional.ofNullable(elector);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        LeaderElector e = next != null ? next : build();
        next = null;
        elector = e;
        addons.forEach(addon -> addon.built(e));
        running = true;
        if (keepAlive) {
            keeping = keepAlive();
        }
        e.start();
        log.info("{} competes for {} as {}", getClass().getSimpleName(), settings.describe(), settings.identity());
    }

    @Override
    public void stop() {
        LeaderElector e = stopping();
        if (e != null) {
            e.close();
            addons.forEach(ElectionAddon::closed);
        }
    }

    @Override
    public void stop(Runnable callback) {
        LeaderElector e = stopping();
        if (e == null) {
            callback.run();
            return;
        }
        // async: closing an addon may wait (queued Events), never on the thread that completes the close
        e.closeAsync().whenCompleteAsync((ok, failure) -> {
            addons.forEach(ElectionAddon::closed);
            callback.run();
        });
    }

    private synchronized LeaderElector stopping() {
        if (!running) {
            return null;
        }
        running = false;
        if (keeping != null) {
            keeping.countDown();
            keeping = null;
        }
        return elector;
    }

    /** Starts the non-daemon thread that waits until the returned latch opens. */
    private static CountDownLatch keepAlive() {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread thread = new Thread(() -> {
            try {
                stopped.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }, KEEP_ALIVE_THREAD);
        thread.setDaemon(false);
        thread.start();
        return stopped;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private LeaderElector build() {
        List<ElectorListener> all = new java.util.ArrayList<>(listeners);
        addons.forEach(addon -> all.add(addon.listener(settings)));
        try {
            return LeaderElector.builder()
                    .lock(settings.lock(client))
                    .leaseDuration(settings.leaseDuration())
                    .renewDeadline(settings.renewDeadline())
                    .retryPeriod(settings.retryPeriod())
                    .releaseOnClose(settings.releaseOnClose())
                    .onStartedLeading(l -> publisher.publishEvent(new StartLeadingEvent(this, l)))
                    .onStoppedLeading(() -> publisher.publishEvent(new StopLeadingEvent(this, identity())))
                    .onNewLeader(holder -> publisher.publishEvent(new NewLeaderEvent(this, holder)))
                    .listener(ElectorListener.all(all))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("leasehold.election: " + e.getMessage(), e);
        }
    }
}
