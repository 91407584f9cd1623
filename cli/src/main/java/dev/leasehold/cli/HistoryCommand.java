package dev.leasehold.cli;

import dev.leasehold.postgres.agent.AgentHistory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code leaseholdctl history}: the changes of primary the Lease remembers. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Show the changes of primary (term, member, timeline, position, time, reason), oldest first, "
                + "from the Lease annotation " + AgentHistory.ANNOTATION + " (the last "
                + AgentHistory.MAX_ENTRIES + ").")
final class HistoryCommand implements Callable<Integer> {
    @ParentCommand
    Leaseholdctl root;

    @Mixin
    Target target;

    @Override
    public Integer call() {
        var lease = Cluster.lease(root.client(), root.namespace(target), target.cluster);
        AgentHistory.Read read = AgentHistory.read(Cluster.annotations(lease).get(AgentHistory.ANNOTATION));
        read.problem().ifPresent(p -> root.warn(p));
        List<AgentHistory.Entry> entries = read.entries();
        if (target.output == Target.Output.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("cluster", target.cluster);
            out.put("entries", entries.stream().map(AgentHistory.Entry::toMap).toList());
            out.put("problem", read.problem().orElse(null));
            root.out(Json.write(out));
            return 0;
        }
        if (entries.isEmpty()) {
            root.out("no history recorded on Lease " + target.cluster + " yet\n");
            return 0;
        }
        Table t = new Table("TERM", "MEMBER", "TL", "POSITION", "AT", "REASON");
        entries.forEach(e -> t.row(e.term(), e.member(), e.timeline(), e.position(), e.at(), e.reason()));
        root.out(t.render());
        return 0;
    }
}
