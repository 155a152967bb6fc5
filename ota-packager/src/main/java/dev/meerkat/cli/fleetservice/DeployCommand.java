package dev.meerkat.cli.fleetservice;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.Heartbeat;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat deploy}: phased deployments of a release to a group. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = "Create, follow and steer phased deployments of the fleet service.",
        subcommands = {
            DeployCommand.Create.class,
            DeployCommand.Status.class,
            DeployCommand.Pause.class,
            DeployCommand.Resume.class,
            DeployCommand.NextPhase.class,
            DeployCommand.Cancel.class
        })
public final class DeployCommand implements Runnable {
    static final Set<String> FINAL = Set.of("COMPLETED", "ABORTED", "CANCELED");
    static final List<String> STATES =
            List.of(
                    "QUEUED",
                    "IN_PROGRESS",
                    "SUCCEEDED",
                    "FAILED",
                    "REJECTED",
                    "TIMED_OUT",
                    "CANCELED",
                    "REMOVED");

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The status as people read it: state, reason, and a bar per phase (# succeeded, ! failed, -
     * running).
     */
    static void render(PrintWriter out, JsonNode s) {
        JsonNode d = s.path("deployment");
        out.printf(
                "%s  release %s (%s) -> group %s  %s%n",
                d.path("id").asText(),
                d.path("releaseId").asText(),
                s.path("releaseVersion").asText(),
                d.path("groupName").asText(),
                d.path("state").asText());
        if (d.hasNonNull("stateReason")) out.println("  " + d.path("stateReason").asText());
        for (JsonNode p : s.path("phases")) {
            int n = p.path("devices").asInt();
            JsonNode c = p.path("counts");
            int ok = c.path("SUCCEEDED").asInt();
            int bad =
                    c.path("FAILED").asInt()
                            + c.path("REJECTED").asInt()
                            + c.path("TIMED_OUT").asInt();
            int running = c.path("IN_PROGRESS").asInt();
            int width = 30;
            StringBuilder bar = new StringBuilder();
            if (n > 0) {
                int a = ok * width / n;
                int b = bad * width / n;
                int r = Math.min(width - a - b, running * width / n);
                bar.append("#".repeat(a)).append("!".repeat(b)).append("-".repeat(r));
            }
            bar.append(".".repeat(Math.max(0, width - bar.length())));
            StringBuilder counts = new StringBuilder();
            for (String st : STATES) {
                if (c.path(st).asInt() > 0)
                    counts.append(' ')
                            .append(st.toLowerCase(java.util.Locale.ROOT))
                            .append('=')
                            .append(c.path(st).asInt());
            }
            String marker =
                    p.path("index").asInt() == d.path("currentPhase").asInt()
                                    && !FINAL.contains(d.path("state").asText())
                            ? ">"
                            : " ";
            out.printf(
                    " %sphase %d [%s] %3d/%-3d released %d%s%n",
                    marker,
                    p.path("index").asInt() + 1,
                    bar,
                    ok,
                    n,
                    p.path("released").asInt(),
                    counts);
        }
        out.flush();
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Deploy a release to a group.",
                "Phases: --phase 10%% --phase 5 --phase rest (share, count, or the rest; default one phase).",
                "Abort: --abort FAILED:20:10 = stop when >=20%% of >=10 executed devices failed (FAILED, REJECTED, TIMED_OUT, ALL)."
            })
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Option(names = "--release", required = true, paramLabel = "ID")
        String release;

        @Option(names = "--group", required = true, paramLabel = "NAME")
        String group;

        @Option(
                names = "--id",
                paramLabel = "ID",
                description = "Deployment id (default: generated).")
        String id;

        @Option(
                names = "--phase",
                paramLabel = "SIZE",
                description = "N%% or N devices or 'rest'; repeat per phase, in order.")
        List<String> phases;

        @Option(
                names = "--phase-start",
                paramLabel = "INSTANT",
                description = "Start time (ISO-8601) of each phase, in order; '-' for none.")
        List<String> phaseStarts;

        @Option(
                names = "--success",
                paramLabel = "PERCENT",
                description = "Success criterion of every phase (default 100).")
        Double success;

        @Option(
                names = "--rate",
                paramLabel = "BASE:FACTOR:STEP",
                description =
                        "Exponential release rate: BASE per minute, x FACTOR every STEP successes (AWS style).")
        String rate;

        @Option(names = "--max-per-minute", paramLabel = "N")
        Integer maxPerMinute;

        @Option(names = "--abort", paramLabel = "TYPE:PERCENT:MIN")
        List<String> aborts;

        @Option(
                names = "--no-auto-pause",
                description = "Start each next phase as soon as the previous one succeeded.")
        boolean noAutoPause;

        @Option(
                names = "--timeout",
                paramLabel = "SECONDS",
                description = "In-progress timeout per device.")
        Integer timeout;

        @Option(
                names = "--retries",
                paramLabel = "TYPE:N:BACKOFF:MAX",
                description =
                        "Retries of FAILED, TIMED_OUT or ALL: N times, backing off BACKOFF..MAX seconds.")
        String retries;

        @Option(
                names = "--window",
                paramLabel = "HH:MM/MINUTES",
                description = "Maintenance window in UTC (repeatable).")
        List<String> windows;

        @Override
        public Integer call() {
            Map<String, Object> plan = new LinkedHashMap<>();
            if (phases != null) {
                List<Map<String, Object>> ph = new ArrayList<>();
                for (int i = 0; i < phases.size(); i++) {
                    String p = phases.get(i).strip();
                    Map<String, Object> m = new LinkedHashMap<>();
                    try {
                        if (p.endsWith("%"))
                            m.put("percent", Double.parseDouble(p.substring(0, p.length() - 1)));
                        else if (!p.equals("rest")) m.put("count", Integer.parseInt(p));
                    } catch (NumberFormatException e) {
                        throw CliException.usage("--phase takes N%, N or rest, not " + p);
                    }
                    if (phaseStarts != null
                            && i < phaseStarts.size()
                            && !phaseStarts.get(i).equals("-")) {
                        m.put("startAt", phaseStarts.get(i));
                    }
                    if (success != null) m.put("successPercent", success);
                    ph.add(m);
                }
                plan.put("phases", ph);
            }
            if (rate != null) {
                String[] r = split(rate, 3, "--rate");
                plan.put(
                        "exponentialRate",
                        Map.of(
                                "baseRatePerMinute",
                                Integer.parseInt(r[0]),
                                "incrementFactor",
                                Double.parseDouble(r[1]),
                                "succeededPerStep",
                                Integer.parseInt(r[2])));
            }
            if (maxPerMinute != null) plan.put("maximumPerMinute", maxPerMinute);
            if (aborts != null) {
                List<Map<String, Object>> ac = new ArrayList<>();
                for (String a : aborts) {
                    String[] x = split(a, 3, "--abort");
                    ac.add(
                            Map.of(
                                    "failureType",
                                    x[0].toUpperCase(java.util.Locale.ROOT),
                                    "thresholdPercent",
                                    Double.parseDouble(x[1]),
                                    "minExecuted",
                                    Integer.parseInt(x[2])));
                }
                plan.put("abortCriteria", ac);
            }
            plan.put("autoPause", !noAutoPause);
            if (timeout != null) plan.put("inProgressTimeoutSeconds", timeout);
            if (retries != null) {
                String[] x = split(retries, 4, "--retries");
                plan.put(
                        "retry",
                        Map.of(
                                "failureType",
                                x[0].toUpperCase(java.util.Locale.ROOT),
                                "maxRetries",
                                Integer.parseInt(x[1]),
                                "backoffSeconds",
                                Integer.parseInt(x[2]),
                                "maxBackoffSeconds",
                                Integer.parseInt(x[3])));
            }
            if (windows != null) {
                List<Map<String, Object>> w = new ArrayList<>();
                for (String win : windows) {
                    String[] x = win.split("/");
                    if (x.length != 2)
                        throw CliException.usage("--window takes HH:MM/MINUTES, not " + win);
                    w.add(Map.of("start", x[0], "durationMinutes", Integer.parseInt(x[1])));
                }
                plan.put("maintenanceWindows", w);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            if (id != null) body.put("id", id);
            body.put("release", release);
            body.put("group", group);
            body.put("plan", plan);
            JsonNode s = fleet.client().post("/api/v1/deployments", body);
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, s)) render(out, s);
            return ExitCode.OK;
        }

        private static String[] split(String v, int n, String option) {
            String[] x = v.split(":");
            if (x.length != n)
                throw CliException.usage(
                        option + " takes " + n + " colon-separated values, not " + v);
            return x;
        }
    }

    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = {
                "Show deployments (all, or one) with per-phase progress.",
                "--watch redraws every --interval (off a terminal: prints each change, and a progress",
                "line on stderr every 2 s) until the deployment ends; with --json it prints the final",
                "object only. Exit code 0 when it completed, 1 when it was aborted or canceled."
            })
    static final class Status implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "ID", arity = "0..1")
        String id;

        @Option(names = "--watch", description = "Follow the deployment until it ends.")
        boolean watch;

        @Option(
                names = "--interval",
                defaultValue = "2",
                paramLabel = "SECONDS",
                description = "Watch interval. Default: ${DEFAULT-VALUE}.")
        double interval;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            FleetClient c = fleet.client();
            if (id == null) {
                if (watch) throw CliException.usage("--watch needs a deployment ID");
                JsonNode all = c.get("/api/v1/deployments");
                if (!fleet.printJson(out, "deployments", all))
                    for (JsonNode s : all) render(out, s);
                return ExitCode.OK;
            }
            String path = "/api/v1/deployments/" + FleetClient.encode(id);
            JsonNode s = c.get(path);
            if (!watch) {
                if (!fleet.printJson(out, s)) render(out, s);
                return ExitCode.OK;
            }
            boolean tty = System.console() != null && System.getenv("CI") == null && !fleet.json;
            AtomicReference<JsonNode> current = new AtomicReference<>(s);
            String lastState;
            // Off a terminal a watch prints only what changed, a log rather than a screen per
            // tick, with a line on stderr every 2 s meanwhile; with --json only the final object.
            try (Heartbeat alive =
                    tty
                            ? null
                            : Heartbeat.start(
                                    spec.commandLine().getErr(),
                                    "meerkat deploy status",
                                    () -> progress(current.get()))) {
                JsonNode shown = null;
                while (true) {
                    lastState = s.path("deployment").path("state").asText();
                    if (!fleet.json && (tty || !s.equals(shown))) {
                        if (tty && shown != null) out.print("\033[H\033[2J");
                        render(out, s);
                        shown = s;
                    }
                    if (FINAL.contains(lastState)) break;
                    Thread.sleep((long) (interval * 1000));
                    s = c.get(path);
                    current.set(s);
                }
            }
            fleet.printJson(out, s);
            return "COMPLETED".equals(lastState) ? ExitCode.OK : ExitCode.INVALID;
        }

        /** Where a watched deployment stands, for the progress lines: state and devices done. */
        static String progress(JsonNode s) {
            int devices = 0;
            int done = 0;
            for (JsonNode p : s.path("phases")) {
                devices += p.path("devices").asInt();
                JsonNode c = p.path("counts");
                for (String st : STATES)
                    if (!st.equals("QUEUED") && !st.equals("IN_PROGRESS"))
                        done += c.path(st).asInt();
            }
            return s.path("deployment").path("state").asText()
                    + ", "
                    + done
                    + " of "
                    + devices
                    + " devices finished";
        }
    }

    abstract static class Steer implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin FleetOptions fleet;

        @Parameters(paramLabel = "ID")
        String id;

        abstract String verb();

        @Override
        public Integer call() {
            JsonNode s =
                    fleet.client()
                            .post(
                                    "/api/v1/deployments/" + FleetClient.encode(id) + "/" + verb(),
                                    null);
            PrintWriter out = spec.commandLine().getOut();
            if (!fleet.printJson(out, s)) render(out, s);
            return ExitCode.OK;
        }
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Stop releasing further devices; devices already updating finish.")
    static final class Pause extends Steer {
        @Override
        String verb() {
            return "pause";
        }
    }

    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = "Resume a paused deployment.")
    static final class Resume extends Steer {
        @Override
        String verb() {
            return "resume";
        }
    }

    @Command(
            name = "next-phase",
            mixinStandardHelpOptions = true,
            description = "Start the next phase of a waiting (or paused) deployment.")
    static final class NextPhase extends Steer {
        @Override
        String verb() {
            return "next-phase";
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a deployment; queued devices are never told.")
    static final class Cancel extends Steer {
        @Override
        String verb() {
            return "cancel";
        }
    }
}
