package dev.leasehold.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    /** Issue 7: the callback executor swallowed Error. */
    @Test
    void aCallbackErrorIsRethrownToTheThreadAndLaterCallbacksStillRun() throws Exception {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable);
            thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
            return thread;
        });
        try {
            SerialExecutor serial = new SerialExecutor(threads, "test");
            List<String> ran = new CopyOnWriteArrayList<>();
            CountDownLatch last = new CountDownLatch(1);
            serial.enqueue("first", () -> ran.add("first"));
            serial.enqueue("bad", () -> {
                throw new StackOverflowError("user bug");
            });
            serial.enqueue("after", () -> {
                ran.add("after");
                last.countDown();
            });
            serial.kick();
            assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ran).containsExactly("first", "after");
            threads.shutdown();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            // a pool reports termination before the dying worker's uncaught-exception handler has run
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (uncaught.isEmpty() && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertThat(uncaught).singleElement().isInstanceOf(StackOverflowError.class);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void tasksKnowTheyRunOnTheExecutorAndOthersDoNot() {
        SerialExecutor serial = new SerialExecutor(Runnable::run, "test");
        boolean[] inside = new boolean[1];
        serial.submit("probe", () -> inside[0] = serial.isRunningTaskOnThisThread());
        assertThat(inside[0]).isTrue();
        assertThat(serial.isRunningTaskOnThisThread()).isFalse();
    }
}
