package dev.leasehold.spring;

import dev.leasehold.core.ElectorListener;
import dev.leasehold.events.ElectorEvents;
import dev.leasehold.events.EventRecorder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** Kubernetes Events on the lock object ({@link ElectorEvents}), one recorder per elector. */
final class EventsAddon implements ElectionAddon {

    private final KubernetesClient client;
    private final String component;
    private EventRecorder current;

    EventsAddon(KubernetesClient client, String component) {
        this.client = client;
        this.component = component;
    }

    @Override
    public synchronized ElectorListener listener(ElectionSettings s) {
        EventRecorder.Builder builder = EventRecorder.builder().client(client).component(component)
                .instance(s.identity());
        switch (s.kind()) {
            case LEASE -> builder.lease(s.namespace(), s.name());
            case CONFIGMAP -> builder.configMap(s.namespace(), s.name());
            case ENDPOINTS -> builder.endpoints(s.namespace(), s.name());
        }
        current = builder.build();
        return new ElectorEvents(current);
    }

    @Override
    public synchronized void closed() {
        current.close();
    }
}
