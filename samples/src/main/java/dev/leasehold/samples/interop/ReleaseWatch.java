package dev.leasehold.samples.interop;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Watches one Lease as a neutral observer and notes when (epoch ms) each release reached it: a version that names
 * no holder. Both libraries' handovers are timed from there.
 */
final class ReleaseWatch implements AutoCloseable {

    private final List<Long> releases = new ArrayList<>();
    private final Watch watch;

    ReleaseWatch(KubernetesClient client, String lease) {
        watch = client.leases().inNamespace("default").withName(lease).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Lease resource) {
                LeaseSpec spec = resource.getSpec();
                if (action == Action.MODIFIED && spec != null
                        && (spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty())) {
                    synchronized (releases) {
                        releases.add(System.currentTimeMillis());
                        releases.notifyAll();
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
                // a missing release is reported by whoever waits for it
            }
        });
    }

    /** The first release seen at or after {@code sinceMillis}, waiting up to {@code limit} for it. */
    OptionalLong releaseSince(long sinceMillis, Duration limit) throws InterruptedException {
        long deadline = System.currentTimeMillis() + limit.toMillis();
        synchronized (releases) {
            while (true) {
                OptionalLong found = releases.stream().mapToLong(Long::longValue).filter(t -> t >= sinceMillis)
                        .findFirst();
                long left = deadline - System.currentTimeMillis();
                if (found.isPresent() || left <= 0) {
                    return found;
                }
                releases.wait(left);
            }
        }
    }

    @Override
    public void close() {
        watch.close();
    }
}
