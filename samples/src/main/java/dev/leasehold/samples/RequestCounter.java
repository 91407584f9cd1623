package dev.leasehold.samples;

import dev.leasehold.lock.support.NonBlockingCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The mock server's CRUD dispatcher, with watch events written without blocking ({@link NonBlockingCrudDispatcher}),
 * counting every request it serves per caller (the {@code Impersonate-User}
 * header, see {@link MockApiServer#newClientAs}; {@value #ANONYMOUS} without one). A watch is one request, counted
 * when it is opened; the events it streams afterwards are not requests.
 */
public final class RequestCounter extends NonBlockingCrudDispatcher {

    /** The caller name of requests without an {@code Impersonate-User} header. */
    public static final String ANONYMOUS = "(anonymous)";

    private final LongAdder total = new LongAdder();
    private final Map<String, Counts> byCaller = new ConcurrentHashMap<>();

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        String caller = request.getHeader("Impersonate-User");
        boolean watch = request.getPath() != null && request.getPath().contains("watch=true");
        total.increment();
        byCaller.computeIfAbsent(caller == null ? ANONYMOUS : caller, c -> new Counts())
                .add(request.getMethod(), watch);
        return super.dispatch(request);
    }

    /** All requests served so far. */
    public long total() {
        return total.sum();
    }

    /** The requests {@code caller} made so far. */
    public Snapshot of(String caller) {
        Counts counts = byCaller.get(caller);
        return counts == null ? new Snapshot(0, 0, 0, 0) : counts.snapshot();
    }

    /**
     * A caller's request counts at one moment.
     *
     * @param all every request
     * @param watches watch requests (GET with {@code watch=true}), each one long-lived stream
     * @param reads other GETs
     * @param writes POST, PUT, PATCH and DELETE
     */
    public record Snapshot(long all, long watches, long reads, long writes) {

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(all - earlier.all, watches - earlier.watches, reads - earlier.reads,
                    writes - earlier.writes);
        }

        /** The sum of two snapshots. */
        public Snapshot plus(Snapshot other) {
            return new Snapshot(all + other.all, watches + other.watches, reads + other.reads,
                    writes + other.writes);
        }
    }

    private static final class Counts {
        private final LongAdder all = new LongAdder();
        private final LongAdder watches = new LongAdder();
        private final LongAdder reads = new LongAdder();
        private final LongAdder writes = new LongAdder();

        void add(String method, boolean watch) {
            all.increment();
            if (watch) {
                watches.increment();
            } else if ("GET".equalsIgnoreCase(method)) {
                reads.increment();
            } else {
                writes.increment();
            }
        }

        Snapshot snapshot() {
            return new Snapshot(all.sum(), watches.sum(), reads.sum(), writes.sum());
        }
    }
}
