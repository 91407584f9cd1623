package dev.leasehold.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Physical replication slots on an instance. Slot names are checked by
 * {@link Identifiers#requireSlotName} and always passed as bind parameters.
 */
public final class ReplicationSlots {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationSlots.class);

    /**
     * One physical slot.
     *
     * @param name slot name
     * @param active whether a standby is streaming through it now
     * @param restartLsn oldest WAL the slot retains
     */
    public record Slot(String name, boolean active, Optional<Lsn> restartLsn) {
    }

    private final PostgresInstance instance;

    ReplicationSlots(PostgresInstance instance) {
        this.instance = instance;
    }

    /** The physical slots, by name. */
    public List<Slot> list() {
        return instance.withConnection("list replication slots", c -> {
            List<Slot> slots = new ArrayList<>();
            try (var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT slot_name, active, "
                    + "restart_lsn::text FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name")) {
                while (rs.next()) {
                    slots.add(new Slot(rs.getString(1), rs.getBoolean(2),
                            Optional.ofNullable(Lsn.parseNullable(rs.getString(3)))));
                }
            }
            return slots;
        });
    }

    /**
     * Creates a physical slot that reserves WAL at once, unless it exists.
     *
     * @return whether it was created
     */
    public boolean create(String slotName) {
        Identifiers.requireSlotName("slot name", slotName);
        return instance.withConnection("create replication slot '" + slotName + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
                ps.setString(1, slotName);
                ps.executeQuery().close();
                LOG.info("replication slot {} created on {}", slotName, instance.describe());
                return true;
            } catch (SQLException e) {
                if ("42710".equals(e.getSQLState())) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * Drops a slot if it exists.
     *
     * @return whether it existed
     * @throws PostgresException if a standby is still using it
     */
    public boolean drop(String slotName) {
        Identifiers.requireSlotName("slot name", slotName);
        return instance.withConnection("drop replication slot '" + slotName + "'", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) "
                    + "FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    boolean existed = rs.next();
                    if (existed) {
                        LOG.info("replication slot {} dropped on {}", slotName, instance.describe());
                    }
                    return existed;
                }
            }
        });
    }
}
