package dev.leasehold.lock.support;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;

/**
 * fabric8's CRUD dispatcher with watch events written without blocking ({@link NonBlockingWatchSends}), so that a
 * client closing its watch mid-event cannot stall the mock server for 30 s. Use it for every mock API server that
 * Leasehold's watching electors talk to.
 */
public class NonBlockingCrudDispatcher extends KubernetesCrudDispatcher {

    @Override
    public MockResponse handleWatch(String path) {
        MockResponse response = super.handleWatch(path);
        if (response.getWebSocketListener() != null) {
            response.withWebSocketUpgrade(new NonBlockingWatchSends(response.getWebSocketListener()));
        }
        return response;
    }
}
