package dev.leasehold.samples;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a mock Kubernetes API server ({@link MockApiServer}: fabric8's {@code KubernetesMockServer} in CRUD mode)
 * until SIGTERM or Ctrl-C, so that the sidecar and the embedding sample can run as separate processes against
 * it: start them with {@code KUBERNETES_MASTER=<the printed URL>}.
 */
public final class MockApiMain {

    private MockApiMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        MockApiServer server = MockApiServer.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "mock-api-shutdown"));
        System.out.println("mock API server (fabric8 KubernetesMockServer, CRUD mode) at " + server.url());
        System.out.println("  e.g. export KUBERNETES_MASTER=" + server.url());
        System.out.flush();
        stopped.await();
    }
}
