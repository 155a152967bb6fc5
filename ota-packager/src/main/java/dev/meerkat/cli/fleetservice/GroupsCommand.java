package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.ExitCode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat groups}: static and dynamic device groups. */
@Command(
        name = "groups",
        mixinStandardHelpOptions = true,
        description =
                "Create and inspect device groups (static lists or dynamic filters) of the fleet service.",
        subcommands = {
            GroupsCommand.List.class,
            GroupsCommand.Show.class,
            GroupsCommand.Create.class,
            GroupsCommand.Add.class,
            GroupsCommand.Remove.class
        })
public final class GroupsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static void print(PrintWriter out, JsonNode g) {
        out.printf(
                "%-20s %-8s %5d devices  %s%n",
                g.path("name").asText(),
                g.path("kind").asText(),
                g.path("members").size(),
                g.path("filter").asText(""));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List groups.")
    static final class List implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Override
        public Integer call() {
            JsonNode all = fleet.client().get("/api/v1/groups");
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, "groups", all)) for (JsonNode g : all) print(out, g);
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a group and its current members.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            JsonNode g = fleet.client().get("/api/v1/groups/" + FleetClient.encode(name));
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, g)) {
                print(out, g);
                for (JsonNode m : g.path("members")) out.println("  " + m.asText());
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Create a group: a static list (--member) or a dynamic filter (--filter).",
                "Filter: clauses joined by 'and', each 'key op value' (op = != < <= > >=) over attributes, version, protocol, id;",
                "e.g. --filter 'region=eu-* and version<2.0.0'. Devices that match later join deployments to the group."
            })
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "NAME")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Membership membership;

        static final class Membership {
            @Option(names = "--filter", paramLabel = "EXPR")
            String filter;

            @Option(
                    names = "--member",
                    paramLabel = "DEVICE",
                    split = ",",
                    description = "Device id (repeatable or comma-separated).")
            java.util.List<String> members;
        }

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (membership.filter != null) body.put("filter", membership.filter);
            else body.put("members", membership.members);
            JsonNode g = fleet.client().post("/api/v1/groups", body);
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, g)) print(out, g);
            out.flush();
            return ExitCode.OK;
        }
    }

    abstract static class Change implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1..*", paramLabel = "DEVICE", arity = "1..*")
        java.util.List<String> devices;

        abstract String key();

        @Override
        public Integer call() {
            JsonNode g =
                    fleet.client()
                            .post(
                                    "/api/v1/groups/" + FleetClient.encode(name) + "/members",
                                    Map.of(key(), devices));
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, g)) print(out, g);
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Add devices to a static group.")
    static final class Add extends Change {
        @Override
        String key() {
            return "add";
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Remove devices from a static group.")
    static final class Remove extends Change {
        @Override
        String key() {
            return "remove";
        }
    }
}
