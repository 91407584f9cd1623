package dev.leasehold.lock.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh mock API server, a client to it and an empty {@link Fleet} for each test. */
public abstract class MockApiBase {

    protected static final String NAMESPACE = "test";
    protected static final String NAME = "leader";
    /**
     * An upper bound on a wait for an event that normally comes within seconds: generous, so that a loaded machine
     * makes a test slower, never failed. How soon things happen is measured by the benchmarks, not asserted here.
     */
    protected static final Duration PATIENCE = Duration.ofMinutes(2);

    protected MockApi api;
    protected KubernetesClient client;
    protected Fleet fleet;

    @BeforeEach
    void startApi() {
        api = new MockApi();
        client = api.client();
        fleet = new Fleet();
    }

    @AfterEach
    void stopApi() {
        try {
            fleet.close();
        } finally {
            api.close();
        }
    }
}
