package dev.leasehold.spring;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.event.EventListener;

/**
 * A whole application for {@link KeepAliveTest}, run in a JVM of its own: {@code web|none identity
 * [spring properties...]}. It prints a line when {@code main} returns and one when it starts leading, and never
 * waits on anything itself: whether the JVM stays up is the starter's doing (or the web server's).
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class KeepAliveApp {

    static final String MAIN_RETURNED = "main returned";

    @EventListener
    void started(StartLeadingEvent event) {
        System.out.println("started leading term " + event.term());
    }

    public static void main(String[] args) {
        WebApplicationType type = args[0].equals("web") ? WebApplicationType.SERVLET : WebApplicationType.NONE;
        String[] properties = new String[6 + args.length - 2];
        properties[0] = "leasehold.election.lock.name=keep-alive";
        properties[1] = "leasehold.election.namespace=default";
        properties[2] = "leasehold.election.identity=" + args[1];
        properties[3] = "leasehold.election.lease-duration=4s";
        properties[4] = "leasehold.election.renew-deadline=3s";
        properties[5] = "leasehold.election.retry-period=1s";
        System.arraycopy(args, 2, properties, 6, args.length - 2);
        new SpringApplicationBuilder(KeepAliveApp.class).web(type)
                .properties("server.port=0", "spring.main.banner-mode=off")
                .properties(properties)
                .run();
        System.out.println(MAIN_RETURNED);
    }
}
