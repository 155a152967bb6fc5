package dev.meerkat.fleet.group;

import dev.meerkat.fleet.audit.AuditLog;
import dev.meerkat.fleet.device.Device;
import dev.meerkat.fleet.device.DeviceIds;
import dev.meerkat.fleet.device.DeviceRepository;
import dev.meerkat.fleet.refusal.Refusal;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.store.Database;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Use cases of device groups, and the one place that answers "who is in this group now". */
@ApplicationScoped
public class GroupService {
    public static final int MAX_MEMBERS_PER_CALL = 10_000;

    @Inject Database db;

    @Inject GroupRepository groups;

    @Inject DeviceRepository devices;

    @Inject AuditLog audit;

    public Group create(Caller caller, String name, String filter, List<String> members) {
        DeviceIds.name("group name", name);
        Optional<GroupFilter> f =
                filter == null ? Optional.empty() : Optional.of(GroupFilter.parse(filter));
        if (f.isPresent() && members != null && !members.isEmpty()) {
            throw Refusal.badRequest(
                    "a group has either a filter (dynamic) or members (static), not both");
        }
        List<String> ids = members == null ? List.of() : members;
        if (ids.size() > MAX_MEMBERS_PER_CALL)
            throw Refusal.badRequest("at most " + MAX_MEMBERS_PER_CALL + " members per call");
        Group g =
                new Group(
                        name,
                        f.isPresent() ? Group.Kind.DYNAMIC : Group.Kind.STATIC,
                        f,
                        Instant.now());
        return db.tx(
                c -> {
                    if (groups.find(c, name).isPresent())
                        throw Refusal.conflict("Group exists", "group " + name + " exists");
                    groups.insert(c, g);
                    requireDevices(c, ids);
                    groups.addMembers(c, name, ids);
                    audit.record(
                            c,
                            caller,
                            "group.create",
                            name,
                            f.map(x -> "filter=" + x.text()).orElse("members=" + ids.size()));
                    return g;
                });
    }

    public int changeMembers(Caller caller, String name, List<String> add, List<String> remove) {
        List<String> a = add == null ? List.of() : add;
        List<String> r = remove == null ? List.of() : remove;
        if (a.size() + r.size() > MAX_MEMBERS_PER_CALL)
            throw Refusal.badRequest("at most " + MAX_MEMBERS_PER_CALL + " changes per call");
        return db.tx(
                c -> {
                    Group g = require(c, name);
                    if (g.kind() == Group.Kind.DYNAMIC) {
                        throw Refusal.conflict(
                                "Dynamic group",
                                "members of dynamic group " + name + " follow its filter");
                    }
                    requireDevices(c, a);
                    int n = groups.addMembers(c, name, a) + groups.removeMembers(c, name, r);
                    audit.record(
                            c,
                            caller,
                            "group.members",
                            name,
                            "add=" + a.size() + " remove=" + r.size());
                    return n;
                });
    }

    public Group get(String name) {
        return db.tx(c -> require(c, name));
    }

    public List<Group> all() {
        return db.tx(groups::all);
    }

    public List<String> currentMembers(String name) {
        return db.tx(c -> currentMembers(c, require(c, name)));
    }

    /**
     * The group's members right now, sorted by device id: listed ones, or those matching the
     * filter.
     */
    public List<String> currentMembers(Connection c, Group g) throws SQLException {
        if (g.kind() == Group.Kind.STATIC) return groups.members(c, g.name());
        GroupFilter f = g.filter().orElseThrow();
        return devices.all(c).stream().filter(d -> f.matches(d.facts())).map(Device::id).toList();
    }

    public Group require(Connection c, String name) throws SQLException {
        return groups.find(c, name)
                .orElseThrow(() -> Refusal.notFound("Group", "no group " + name));
    }

    private void requireDevices(Connection c, List<String> ids) throws SQLException {
        for (String id : ids) {
            if (devices.find(c, id).isEmpty())
                throw Refusal.unprocessable("Unknown device", "no device " + id);
        }
    }
}
