package dev.leasehold.samples.bench;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Watches one Lease for the benchmark itself and remembers, per holder, the latest {@code spec.renewTime} that
 * holder wrote: after a crash, the dead leader's last renew.
 */
final class LeaseObserver implements AutoCloseable {

    private final ConcurrentMap<String, Instant> lastRenew = new ConcurrentHashMap<>();
    private final Watch watch;

    LeaseObserver(KubernetesClient client, String lease) {
        watch = client.leases().inNamespace("default").withName(lease).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Lease resource) {
                LeaseSpec spec = resource.getSpec();
                if (spec != null && spec.getHolderIdentity() != null && spec.getRenewTime() != null) {
                    lastRenew.merge(spec.getHolderIdentity(), spec.getRenewTime().toInstant(),
                            (a, b) -> a.isAfter(b) ? a : b);
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // the benchmark reports a missing renew time as an error
            }
        });
    }

    /** The latest renew time written by {@code holder}, as seen in the Lease. */
    Optional<Instant> lastRenewOf(String holder) {
        return Optional.ofNullable(lastRenew.get(holder));
    }

    @Override
    public void close() {
        watch.close();
    }
}
