package dev.leasehold.lock.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.core.spi.LockConflictException;
import dev.leasehold.core.spi.LockSnapshot;
import dev.leasehold.core.spi.LockUnavailableException;
import dev.leasehold.core.spi.ResourceLock;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every Kubernetes lock must do, against the mock API server over real HTTP. Each lock module runs it by
 * extending it and adds the tests of its own wire format.
 */
public abstract class KubernetesLockContract extends MockApiBase {

    protected static final Duration LEASE = Duration.ofSeconds(15);
    protected static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    /** A builder of the lock under test, with nothing set. */
    protected abstract KubernetesLockBuilder<?, ?> builder();

    /** The kind of object the lock keeps its record in. */
    protected abstract Class<? extends HasMetadata> kind();

    protected ResourceLock lock(KubernetesClient via, String identity) {
        return builder().client(via).namespace(NAMESPACE).name(NAME).identity(identity)
                .callTimeout(Duration.ofSeconds(2)).build();
    }

    protected static LeaderElectionRecord held(String holder, long transitions) {
        return new LeaderElectionRecord(holder, LEASE, Optional.of(T0), Optional.of(T0.plusSeconds(transitions)),
                transitions, Optional.empty());
    }

    protected static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected HasMetadata object() {
        return client.resources(kind()).inNamespace(NAMESPACE).withName(NAME).get();
    }

    @Test
    void getWithoutObjectIsEmpty() {
        assertThat(join(lock(client, "a").get())).isEmpty();
    }

    @Test
    void createThenGetReturnsTheRecordAtTheObjectsResourceVersion() {
        ResourceLock lock = lock(client, "a");
        LockSnapshot created = join(lock.create(held("a", 1)));
        LockSnapshot read = join(lock.get()).orElseThrow();

        assertThat(read.version()).isEqualTo(created.version())
                .isEqualTo(object().getMetadata().getResourceVersion());
        assertThat(read.record()).contains(held("a", 1));
    }

    @Test
    void renewWithTheCurrentVersionSucceedsAndMovesTheVersion() {
        ResourceLock lock = lock(client, "a");
        LockSnapshot first = join(lock.create(held("a", 1)));
        LockSnapshot renewed = join(lock.update(first, held("a", 1).withHolder("a")));
        LockSnapshot again = join(lock.update(renewed, held("a", 2)));

        assertThat(again.version()).isNotEqualTo(renewed.version()).isNotEqualTo(first.version());
        assertThat(join(lock(client, "b").get()).orElseThrow().record()).contains(held("a", 2));
    }

    @Test
    void aStaleUpdateIsAConflictAndDoesNotOverwrite() {
        ResourceLock a = lock(client, "a");
        ResourceLock b = lock(client, "b");
        LockSnapshot first = join(a.create(held("a", 1)));
        join(b.update(join(b.get()).orElseThrow(), held("b", 2)));

        assertThatThrownBy(() -> join(a.update(first, held("a", 1)))).isInstanceOf(LockConflictException.class);
        assertThat(join(a.get()).orElseThrow().record()).contains(held("b", 2));
    }

    @Test
    void createWhenTheObjectExistsIsAConflictAndDoesNotOverwrite() {
        join(lock(client, "a").create(held("a", 1)));

        assertThatThrownBy(() -> join(lock(client, "b").create(held("b", 1))))
                .isInstanceOf(LockConflictException.class);
        assertThat(join(lock(client, "b").get()).orElseThrow().record()).contains(held("a", 1));
    }

    @Test
    void anUpdateAfterTheObjectWasDeletedIsAConflict() {
        ResourceLock a = lock(client, "a");
        LockSnapshot first = join(a.create(held("a", 1)));
        client.resources(kind()).inNamespace(NAMESPACE).withName(NAME).delete();
        await().atMost(Duration.ofSeconds(10)).until(() -> object() == null);

        // b must read first; a still has the object it wrote and sends it
        assertThatThrownBy(() -> join(lock(client, "b").update(first, held("b", 2))))
                .isInstanceOf(LockConflictException.class);
        assertThatThrownBy(() -> join(a.update(first, held("a", 1))))
                .isInstanceOf(LockConflictException.class).hasMessageContaining("deleted");
    }

    @Test
    void aReleaseWritesAnEmptyHolderThatLandsAndAnotherCandidateTakesOver() {
        ResourceLock a = lock(client, "a");
        ResourceLock b = lock(client, "b");
        LockSnapshot held = join(a.create(held("a", 1)));
        join(a.update(held, held("a", 1).withHolder("")));

        LockSnapshot seenByB = join(b.get()).orElseThrow();
        assertThat(seenByB.record().orElseThrow().isReleased()).isTrue();
        assertThat(seenByB.record().orElseThrow().leaderTransitions()).isEqualTo(1);

        join(b.update(seenByB, held("b", 2)));
        assertThat(join(a.get()).orElseThrow().record().orElseThrow().holderIdentity()).isEqualTo("b");
    }

    @Test
    void labelsAndAnnotationsWrittenByOthersSurviveRenewals() {
        ResourceLock lock = lock(client, "a");
        join(lock.create(held("a", 1)));
        client.resources(kind()).inNamespace(NAMESPACE).withName(NAME).edit(o -> {
            o.getMetadata().setLabels(java.util.Map.of("team", "blue"));
            java.util.Map<String, String> annotations = new java.util.HashMap<>(
                    o.getMetadata().getAnnotations() == null ? java.util.Map.of() : o.getMetadata().getAnnotations());
            annotations.put("example.com/owner", "ops");
            o.getMetadata().setAnnotations(annotations);
            return o;
        });
        LockSnapshot current = join(lock.get()).orElseThrow();
        join(lock.update(current, held("a", 1)));
        join(lock(client, "b").update(join(lock(client, "b").get()).orElseThrow(), held("b", 2)));

        HasMetadata object = object();
        assertThat(object.getMetadata().getLabels()).containsEntry("team", "blue");
        assertThat(object.getMetadata().getAnnotations()).containsEntry("example.com/owner", "ops");
        assertThat(join(lock.get()).orElseThrow().record()).contains(held("b", 2));
    }

    @Test
    void aLeaseDurationThatIsNotWholeSecondsIsRejectedNotRounded() {
        ResourceLock lock = lock(client, "a");
        LeaderElectionRecord fractional = new LeaderElectionRecord("a", Duration.ofMillis(1500), Optional.of(T0),
                Optional.of(T0), 1, Optional.empty());

        assertThat(lock.durationGranularity()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> join(lock.create(fractional))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaseDuration").hasMessageContaining("PT1.5S")
                .hasMessageContaining("whole number of seconds");
        assertThat(join(lock.get())).isEmpty();
        LockSnapshot created = join(lock.create(held("a", 1)));
        assertThatThrownBy(() -> join(lock.update(created, fractional))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theWatchDeliversChangesAndDeletion() throws Exception {
        ResourceLock watcher = lock(client, "w");
        RecordingListener events = new RecordingListener();
        try (AutoCloseable watch = watcher.watch(events).orElseThrow()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("up") == 1);
            ResourceLock other = lock(client, "a");
            LockSnapshot created = join(other.create(held("a", 1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> events.sawHolder("a"));
            join(other.update(created, held("a", 1).withHolder("")));
            await().atMost(Duration.ofSeconds(10)).until(() -> events.sawHolder(""));
            client.resources(kind()).inNamespace(NAMESPACE).withName(NAME).delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("deleted") >= 1);
        }
    }

    @Test
    void theWatchComesBackAfterItsConnectionIsCutAndMissesNothing() throws Exception {
        FaultProxy proxy = api.proxy();
        ResourceLock watcher = lock(api.clientVia(proxy), "w");
        RecordingListener events = new RecordingListener();
        try (AutoCloseable watch = watcher.watch(events).orElseThrow()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("up") == 1);
            proxy.mode(FaultProxy.Mode.BLACKHOLE);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("down") >= 1);
            // changed while the watch is down: delivered by the read that follows re-establishment
            join(lock(client, "a").create(held("a", 1)));
            proxy.mode(FaultProxy.Mode.PASS);
            await().atMost(Duration.ofSeconds(20)).until(() -> events.count("up") >= 2 && events.sawHolder("a"));
            ResourceLock other = lock(client, "b");
            join(other.update(join(other.get()).orElseThrow(), held("b", 2)));
            await().atMost(Duration.ofSeconds(10)).until(() -> events.sawHolder("b"));
        }
    }

    @Test
    void theWatchComesBackAfter410Gone() throws Exception {
        FaultProxy proxy = api.proxy();
        ResourceLock watcher = lock(api.clientVia(proxy), "w");
        RecordingListener events = new RecordingListener();
        try (AutoCloseable watch = watcher.watch(events).orElseThrow()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("up") == 1);
            proxy.mode(FaultProxy.Mode.GONE);
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("down") >= 1);
            // it keeps trying: a second failed attempt reports the watch down again
            await().atMost(Duration.ofSeconds(10)).until(() -> events.count("down") >= 2);
            join(lock(client, "a").create(held("a", 1)));
            proxy.mode(FaultProxy.Mode.PASS);
            await().atMost(Duration.ofSeconds(20)).until(() -> events.count("up") >= 2 && events.sawHolder("a"));
        }
    }

    @Test
    void closingTheLockStopsItsWatches() throws Exception {
        ResourceLock watcher = lock(client, "w");
        RecordingListener events = new RecordingListener();
        watcher.watch(events).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.count("up") == 1);
        watcher.close();
        int before = events.events().size();

        // the write and a marker watch on a second lock: once the marker saw the write, a live watch would have
        ResourceLock marker = lock(client, "m");
        RecordingListener markerEvents = new RecordingListener();
        try (AutoCloseable markerWatch = marker.watch(markerEvents).orElseThrow()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> markerEvents.count("up") == 1);
            join(lock(client, "a").create(held("a", 1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> markerEvents.sawHolder("a"));
        }
        assertThat(events.events()).hasSize(before);
    }

    @Test
    void closingTheLockLeavesTheCallersClientOpen() {
        ResourceLock lock = lock(client, "a");
        join(lock.create(held("a", 1)));
        lock.close();

        assertThat(object()).isNotNull();
        assertThat(join(lock(client, "b").get())).isPresent();
    }

    @Test
    void callsFailWithinTheirTimeoutWhileTheApiServerDoesNotAnswer() {
        FaultProxy proxy = api.proxy();
        ResourceLock lock = builder().client(api.clientVia(proxy)).namespace(NAMESPACE).name(NAME).identity("a")
                .callTimeout(Duration.ofMillis(300)).build();
        LockSnapshot created = join(lock.create(held("a", 1)));
        proxy.mode(FaultProxy.Mode.BLACKHOLE);

        // fabric8's own retries would take tens of seconds; the bound is the call timeout
        CompletableFuture<?> get = lock.get();
        CompletableFuture<?> update = lock.update(created, held("a", 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> get.isDone() && update.isDone());
        assertThatThrownBy(() -> join(get)).isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining(NAMESPACE + "/" + NAME);
        assertThatThrownBy(() -> join(update)).isInstanceOf(LockUnavailableException.class);

        proxy.mode(FaultProxy.Mode.PASS);
        assertThat(join(lock.get())).isPresent();
    }

    @Test
    void a503IsUnavailableAtOnceWithoutFabric8Retries() {
        FaultProxy proxy = api.proxy();
        ResourceLock lock = builder().client(api.clientVia(proxy)).namespace(NAMESPACE).name(NAME).identity("a")
                .callTimeout(Duration.ofSeconds(3)).build();
        proxy.mode(FaultProxy.Mode.UNAVAILABLE);

        assertThatThrownBy(() -> join(lock.get())).isInstanceOf(LockUnavailableException.class)
                .hasMessageContaining("503").hasMessageContaining(NAMESPACE + "/" + NAME);
    }

    @Test
    void a429CarriesTheServersRetryAfterToTheElector() {
        FaultProxy proxy = api.proxy();
        ResourceLock lock = builder().client(api.clientVia(proxy)).namespace(NAMESPACE).name(NAME).identity("a")
                .callTimeout(Duration.ofSeconds(3)).build();
        proxy.mode(FaultProxy.Mode.TOO_MANY_REQUESTS);

        CompletableFuture<?> get = lock.get();
        await().atMost(Duration.ofSeconds(5)).until(get::isDone);
        assertThatThrownBy(() -> join(get)).isInstanceOfSatisfying(LockUnavailableException.class,
                e -> assertThat(e.retryAfter()).as("the proxy's Retry-After: 1").contains(Duration.ofSeconds(1)))
                .hasMessageContaining("429");
    }

    @Test
    void a503WithoutRetryAfterCarriesNoHint() {
        FaultProxy proxy = api.proxy();
        ResourceLock lock = builder().client(api.clientVia(proxy)).namespace(NAMESPACE).name(NAME).identity("a")
                .callTimeout(Duration.ofSeconds(3)).build();
        proxy.mode(FaultProxy.Mode.UNAVAILABLE);

        CompletableFuture<?> get = lock.get();
        await().atMost(Duration.ofSeconds(5)).until(get::isDone);
        assertThatThrownBy(() -> join(get)).isInstanceOfSatisfying(LockUnavailableException.class,
                e -> assertThat(e.retryAfter()).isEmpty());
    }

    @Test
    void theBuilderNamesTheParameterTheValueAndTheRule() {
        assertThatThrownBy(() -> builder().namespace(NAMESPACE).name(NAME).identity("a").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
        assertThatThrownBy(() -> builder().client(client).namespace(" ").name(NAME).identity("a").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace must not be blank");
        assertThatThrownBy(() -> builder().client(client).namespace("Prod.1").name(NAME).identity("a").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("namespace").hasMessageContaining("\"Prod.1\"").hasMessageContaining("DNS-1123");
        assertThatThrownBy(() -> builder().client(client).namespace(NAMESPACE).name("my_lock").identity("a").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name").hasMessageContaining("\"my_lock\"").hasMessageContaining("DNS-1123");
        assertThatThrownBy(() -> builder().client(client).namespace(NAMESPACE).identity("a").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name must not be blank");
        assertThatThrownBy(() -> builder().client(client).namespace(NAMESPACE).name(NAME).identity("  ").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity must not be blank");
        assertThatThrownBy(() -> builder().client(client).namespace(NAMESPACE).name(NAME).identity("a")
                .callTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("callTimeout must be positive, was PT0S");
        assertThat(builder().client(client).namespace(NAMESPACE).name("my-app.leader").identity("pod-1").build()
                .describe()).endsWith(NAMESPACE + "/my-app.leader");
    }
}
