package dev.leasehold.spring;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.core.LeaderElector;
import dev.leasehold.micrometer.ElectorMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * The elector's meters ({@link ElectorMetrics}) on the application's MeterRegistry, when it has exactly one; one
 * binder per elector.
 */
final class MetricsAddon implements ElectionAddon {

    private final Supplier<MeterRegistry> registry;
    private final boolean clientGoAliases;
    private ElectorMetrics current;

    /** {@code registry} is asked when each elector is built; it may answer null (no registry: no meters). */
    MetricsAddon(Supplier<MeterRegistry> registry, boolean clientGoAliases) {
        this.registry = registry;
        this.clientGoAliases = clientGoAliases;
    }

    @Override
    public synchronized ElectorListener listener(ElectionSettings settings) {
        ElectorMetrics.Builder builder = ElectorMetrics.builder().lock(settings.namespace() + "/" + settings.name());
        if (clientGoAliases) {
            builder.clientGoAliases(settings.name());
        }
        ElectorMetrics metrics = builder.build();
        current = metrics;
        return metrics;
    }

    @Override
    public synchronized void built(LeaderElector elector) {
        MeterRegistry target = registry.get();
        if (target != null) {
            current.attach(elector).bindTo(target);
        }
    }

    @Override
    public synchronized void closed() {
        current.close();
    }
}
