package dev.meerkat.fleet.group;

import dev.meerkat.fleet.store.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Rows of {@code device_groups} and {@code group_members}. */
@ApplicationScoped
public class GroupRepository {

    public void insert(Connection c, Group g) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO device_groups (name, kind, filter, created_at) VALUES (?, ?, ?, ?)")) {
            ps.setString(1, g.name());
            ps.setString(2, g.kind().name());
            ps.setString(3, g.filter().map(GroupFilter::text).orElse(null));
            Sql.setInstant(ps, 4, g.createdAt());
            ps.executeUpdate();
        }
    }

    public Optional<Group> find(Connection c, String name) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT name, kind, filter, created_at FROM device_groups WHERE name = ?")) {
            ps.setString(1, name);
            List<Group> l = list(ps);
            return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
        }
    }

    public List<Group> all(Connection c) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT name, kind, filter, created_at FROM device_groups ORDER BY name")) {
            return list(ps);
        }
    }

    public List<String> members(Connection c, String group) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT device_id FROM group_members WHERE group_name = ? ORDER BY device_id")) {
            ps.setString(1, group);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) out.add(rs.getString(1));
            }
            return out;
        }
    }

    public int addMembers(Connection c, String group, Collection<String> deviceIds)
            throws SQLException {
        int n = 0;
        for (String id : deviceIds) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "INSERT INTO group_members (group_name, device_id)"
                                    + " SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM group_members WHERE group_name = ? AND device_id = ?)")) {
                ps.setString(1, group);
                ps.setString(2, id);
                ps.setString(3, group);
                ps.setString(4, id);
                n += ps.executeUpdate();
            }
        }
        return n;
    }

    public int removeMembers(Connection c, String group, Collection<String> deviceIds)
            throws SQLException {
        int n = 0;
        try (PreparedStatement ps =
                c.prepareStatement(
                        "DELETE FROM group_members WHERE group_name = ? AND device_id = ?")) {
            for (String id : deviceIds) {
                ps.setString(1, group);
                ps.setString(2, id);
                n += ps.executeUpdate();
            }
        }
        if (n > 0) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE device_groups SET members_removed = members_removed + 1"
                                    + " WHERE name = ?")) {
                ps.setString(1, group);
                ps.executeUpdate();
            }
        }
        return n;
    }

    /**
     * How many times members were removed from the group (a count that only grows): a deployment to
     * a static group has nothing new to drop while it stands still.
     */
    public long removals(Connection c, String group) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT members_removed FROM device_groups WHERE name = ?")) {
            ps.setString(1, group);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }

    private static List<Group> list(PreparedStatement ps) throws SQLException {
        List<Group> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Group.Kind kind = Group.Kind.valueOf(rs.getString("kind"));
                String f = rs.getString("filter");
                out.add(
                        new Group(
                                rs.getString("name"),
                                kind,
                                f == null ? Optional.empty() : Optional.of(GroupFilter.parse(f)),
                                Sql.instant(rs, "created_at")));
            }
        }
        return out;
    }
}
