package dev.leasehold.lock.support;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh mock API server, a client to it and an empty {@link Fleet} for each test. */
public abstract class MockApiBase {

    protected static final String NAMESPACE = "test";
    protected static final String NAME = "leader";

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
        fleet.close();
        api.close();
    }
}
