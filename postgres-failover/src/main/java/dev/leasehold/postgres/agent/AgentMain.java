package dev.leasehold.postgres.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent as a program: {@code java -cp ... dev.leasehold.postgres.agent.AgentMain}, configured by environment
 * variables (and a file named by {@code LEASEHOLD_CONFIG_FILE}); see {@link AgentSettings}. Arguments are not
 * read, so no password can reach the process list. A bad setting ends start-up with exit code 2 and one line
 * naming it. SIGTERM runs {@link Agent#shutdown()}: a primary hands over to the best standby (bounded by
 * {@code LEASEHOLD_SWITCHOVER_TIMEOUT}), a standby stops PostgreSQL fast; then the agent exits.
 */
public final class AgentMain {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    /** Opt-in: {@code true} records the agent's Kubernetes Events on the Lease (see {@link AgentEvents}). */
    static final String EVENTS = "LEASEHOLD_EVENTS";

    private AgentMain() {
    }

    static boolean eventsWanted(String value) {
        if (value == null || value.isBlank() || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException(EVENTS + " = \"" + value + "\" must be true or false");
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0) {
            System.err.println("leasehold agent: takes no arguments; configure it with LEASEHOLD_* environment "
                    + "variables or LEASEHOLD_CONFIG_FILE");
            System.exit(2);
        }
        KubernetesClient client = new KubernetesClientBuilder().build();
        Agent agent;
        AgentMetrics metrics = AgentMetrics.prometheus();
        dev.leasehold.events.EventRecorder events = null;
        try {
            AgentConfig config = AgentSettings.from(System.getenv()).toConfig(client);
            StartChecks.check(client, config);
            java.util.List<AgentListener> listeners = new java.util.ArrayList<>(java.util.List.of(metrics));
            if (eventsWanted(System.getenv().get(EVENTS))) {
                events = AgentEvents.recorderFor(config);
                listeners.add(new AgentEvents(events, config.name()));
            }
            agent = Agent.start(config, AgentListener.all(listeners));
            metrics.attach(agent);
        } catch (IllegalArgumentException e) {
            LOG.error("leasehold agent: bad setting: {}", e.getMessage());
            client.close();
            System.exit(2);
            return;
        } catch (dev.leasehold.postgres.leash.GuardStartException e) {
            LOG.error("leasehold agent: {} (set LEASEHOLD_GUARD=false only where something else stops the server"
                    + " when the agent cannot)", e.getMessage());
            client.close();
            System.exit(1);
            return;
        } catch (RuntimeException e) {
            String line = StartChecks.explain(e, client.getMasterUrl()).orElseThrow(() -> e);
            LOG.error("leasehold agent: {}", line);
            client.close();
            System.exit(1);
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        dev.leasehold.events.EventRecorder recorder = events;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.shutdown();
            if (recorder != null) {
                recorder.close();
            }
            metrics.close();
            client.close();
            done.countDown();
        }, "leasehold-agent-shutdown"));
        done.await();
    }
}
