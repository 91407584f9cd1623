package dev.leasehold.lock.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leasehold.core.spi.LeaderElectionRecord;
import dev.leasehold.lock.support.MockApi;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A lock on a client view keeps the view's request settings (found by the benchmark: impersonation was lost). */
class ClientViewTest {

    private static final String USER = "system:serviceaccount:default:elector";

    private final MockApi api = new MockApi();

    @AfterEach
    void close() {
        api.close();
    }

    @Test
    void everyLockRequestCarriesTheViewsImpersonation() {
        KubernetesClient view = api.client()
                .newClient(new RequestConfigBuilder().withImpersonateUsername(USER).build())
                .adapt(KubernetesClient.class);
        LeaseLock lock = LeaseLock.builder().client(view).namespace("default").name("viewed").identity("a").build();
        api.takeRequests();

        var record = new LeaderElectionRecord("a", Duration.ofSeconds(15), Optional.of(Instant.now()),
                Optional.of(Instant.now()), 1, Optional.empty());
        var created = lock.create(record).orTimeout(10, TimeUnit.SECONDS).join();
        lock.update(created, record).orTimeout(10, TimeUnit.SECONDS).join();
        lock.get().orTimeout(10, TimeUnit.SECONDS).join();

        List<RecordedRequest> requests = api.takeRequests().stream()
                .filter(r -> r.getPath().contains("/leases")).toList();
        assertThat(requests).extracting(RecordedRequest::getMethod).contains("POST", "PUT", "GET");
        assertThat(requests).allSatisfy(r -> assertThat(r.getHeader("Impersonate-User")).as(r.getRequestLine())
                .isEqualTo(USER));
    }
}
