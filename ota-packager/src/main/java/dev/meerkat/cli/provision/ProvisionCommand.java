package dev.meerkat.cli.provision;

import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.emulator.TimingModel;
import dev.meerkat.chip.kit.KitClientTransport;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.Heartbeat;
import dev.meerkat.cli.io.JsonOutput;
import dev.meerkat.cli.remote.RemoteClient;
import dev.meerkat.cli.remote.TlsFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat provision}: the factory station. */
@Command(
        name = "provision",
        mixinStandardHelpOptions = true,
        description = {
            "Give secure elements their identity: config template and lock, key generated in the chip, CSR signed",
            "inside it, certificate from the signing service's device CA, compressed certificates written back, data lock.",
            "Re-running resumes an interrupted chip; a provisioned chip is left as it is."
        },
        footer = {
            "%nCredentials (factory-station role): --client-p12 (mutual TLS) or --token; defaults from MEERKAT_CLIENT_P12,",
            "MEERKAT_CLIENT_P12_PASSWORD, MEERKAT_CA, MEERKAT_TOKEN / MEERKAT_TOKEN_FILE, MEERKAT_URL."
        })
public final class ProvisionCommand implements Runnable {
    @Spec CommandSpec spec;

    @Option(
            names = "--chip",
            required = true,
            paramLabel = "emulator:FILE|kit:tcp:HOST:PORT",
            description = "A chip to provision (repeat for several).")
    List<String> chips;

    @Option(
            names = "--service",
            paramLabel = "URL",
            description = "Signing service URL (default: $MEERKAT_URL).")
    String service;

    @Option(
            names = "--token",
            paramLabel = "JWT",
            description = "Bearer token with the factory-station role.")
    String token;

    @Option(
            names = "--client-p12",
            paramLabel = "FILE",
            description = "PKCS#12 client certificate (mutual TLS).")
    Path clientP12;

    @Option(names = "--client-p12-password", paramLabel = "PASSWORD", description = "Its password.")
    String clientP12Password;

    @Option(
            names = "--ca",
            paramLabel = "FILE",
            description = "PEM CA certificates to trust for the service's TLS certificate.")
    Path ca;

    @Option(
            names = "--template",
            defaultValue = ConfigTemplate.DEFAULT,
            paramLabel = "NAME|FILE",
            description = "Config template (default: ${DEFAULT-VALUE}).")
    String template;

    @Option(
            names = "--log",
            defaultValue = "provisioning.jsonl",
            paramLabel = "FILE",
            description = "JSON-lines record of provisioned chips (default: ${DEFAULT-VALUE}).")
    Path log;

    @Option(
            names = "--parallel",
            defaultValue = "1",
            paramLabel = "N",
            description = "Chips driven at once (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Option(
            names = "--device",
            defaultValue = "ATECC608",
            description = "Model of new emulated chips and kit boards (default: ${DEFAULT-VALUE}).")
    DeviceType device;

    @Option(
            names = "--timing",
            defaultValue = "ZERO",
            description =
                    "Emulated chips: ZERO or DATASHEET execution times (default: ${DEFAULT-VALUE}).")
    TimingModel timing;

    @Option(
            names = "--station",
            paramLabel = "NAME",
            description = "Station name in the record (default: host name).")
    String station;

    @Option(
            names = "--renew",
            description = {
                "Ask the service for a new certificate where the chip's earlier one is revoked",
                "or active for another key (the earlier one is revoked as superseded). Needs the admin role as well."
            })
    boolean renew;

    @Option(
            names = "--json",
            description = {
                "Print one JSON object on stdout when done: {\"chips\":[…],\"provisioned\":N,…};",
                "the per-chip lines go to stderr, the --log file stays JSON lines."
            })
    boolean json;

    @Override
    public void run() {
        if (parallel < 1) throw CliException.usage("--parallel must be at least 1");
        ConfigTemplate t;
        try {
            t = ConfigTemplate.load(template);
        } catch (RuntimeException e) {
            throw CliException.usage(e.getMessage());
        }
        for (String chipSpec : chips) checkStatePath(chipSpec);
        RemoteClient client = client();
        preflight(client, renew);
        Provisioner p = new Provisioner(client, t, renew);
        Journal journal = new Journal(log);
        String name = station != null ? station : hostName();
        PrintWriter err = spec.commandLine().getErr();
        // With --json, stdout carries only the summary document; the per-chip lines go to stderr.
        PrintWriter out = json ? err : spec.commandLine().getOut();
        ProvisionSummary summary = new ProvisionSummary(chips.size(), log.toString());
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallel, chips.size()));
        List<Future<?>> jobs = new ArrayList<>();
        List<CliException> failures = new ArrayList<>();
        for (String chipSpec : chips) {
            jobs.add(
                    pool.submit(
                            () -> {
                                Provisioner.Chip chip = null;
                                try {
                                    chip = open(chipSpec);
                                    Provisioner.Outcome o = p.provision(chip);
                                    boolean recorded = journal.append(o, name, t.name(), chipSpec);
                                    String line = summary.provisioned(chipSpec, o, recorded);
                                    synchronized (out) {
                                        out.println(line);
                                        out.flush();
                                    }
                                } catch (CliException e) {
                                    fail(failures, summary, chipSpec, err, e);
                                } catch (RuntimeException e) {
                                    fail(
                                            failures,
                                            summary,
                                            chipSpec,
                                            err,
                                            new CliException(
                                                    ExitCode.IO,
                                                    chipSpec + ": " + e.getMessage(),
                                                    e));
                                } finally {
                                    if (chip != null) chip.driver().close();
                                }
                                return null;
                            }));
        }
        pool.shutdown();
        try (Heartbeat progress = Heartbeat.start(err, "meerkat provision", summary::status)) {
            for (Future<?> f : jobs) {
                try {
                    f.get();
                } catch (Exception e) {
                    throw new CliException(
                            ExitCode.IO, "provisioning interrupted: " + e.getMessage(), e);
                }
            }
        }
        if (json) JsonOutput.print(spec.commandLine().getOut(), summary.toJson());
        if (!failures.isEmpty()) {
            CliException first = failures.get(0);
            throw new CliException(
                    first.exitCode(),
                    failures.size()
                            + " of "
                            + chips.size()
                            + " chips failed; first: "
                            + first.getMessage(),
                    first);
        }
    }

    /**
     * An emulated chip's state file goes into an existing directory: a typo must not create
     * directories.
     */
    static void checkStatePath(String chipSpec) {
        if (!chipSpec.startsWith("emulator:")) return;
        Path file = Path.of(chipSpec.substring("emulator:".length())).toAbsolutePath();
        Path dir = file.getParent();
        if (dir != null && !java.nio.file.Files.isDirectory(dir)) {
            throw CliException.usage(
                    "--chip " + chipSpec + ": directory " + dir + " does not exist");
        }
    }

    /**
     * Before the first irreversible chip step (config lock, key generation): the service answers,
     * the credentials carry the factory-station role (and admin for --renew), and an issuing CA is
     * active.
     */
    static void preflight(RemoteClient client, boolean renew) {
        com.fasterxml.jackson.databind.JsonNode me;
        try {
            me = client.get("/api/v1/me");
        } catch (CliException e) {
            throw new CliException(
                    e.exitCode(), "preflight, before any chip step: " + e.getMessage(), e);
        }
        List<String> roles = new ArrayList<>();
        me.path("roles").forEach(r -> roles.add(r.asText()));
        if (!roles.contains("factory-station")) {
            throw new CliException(
                    ExitCode.INVALID,
                    "preflight, before any chip step: the credentials of "
                            + me.path("name").asText()
                            + " carry roles "
                            + roles
                            + ", not factory-station");
        }
        if (renew && !roles.contains("admin")) {
            throw new CliException(
                    ExitCode.INVALID,
                    "preflight, before any chip step: --renew needs the admin role too");
        }
        boolean issuing = false;
        for (com.fasterxml.jackson.databind.JsonNode ca : client.get("/api/v1/pki/cas")) {
            if ("issuing".equals(ca.path("kind").asText())
                    && "active".equals(ca.path("state").asText())) issuing = true;
        }
        if (!issuing) {
            throw new CliException(
                    ExitCode.INVALID,
                    "preflight, before any chip step: the service has no active issuing CA"
                            + " (create one with 'meerkat pki root' and 'meerkat pki issuing-ca')");
        }
    }

    private static void fail(
            List<CliException> failures,
            ProvisionSummary summary,
            String chip,
            PrintWriter err,
            CliException e) {
        synchronized (failures) {
            failures.add(e);
        }
        summary.failed(chip, e.getMessage());
        synchronized (err) {
            err.println("meerkat provision: " + e.getMessage());
            err.flush();
        }
    }

    Provisioner.Chip open(String chip) {
        try {
            if (chip.startsWith("emulator:")) {
                EmulatedChip emu =
                        StateFile.openOrCreate(
                                Path.of(chip.substring("emulator:".length())), device);
                emu.timing(timing);
                return new Provisioner.Chip(
                        chip,
                        new CryptoChip(
                                new EmulatorTransport(emu),
                                emu.type(),
                                3,
                                CryptoChip.Wait.POLL,
                                Thread::sleep),
                        emu);
            }
            if (chip.startsWith("kit:tcp:")) {
                String hp = chip.substring("kit:tcp:".length());
                int colon = hp.lastIndexOf(':');
                if (colon <= 0) throw CliException.usage("expected kit:tcp:HOST:PORT, got " + chip);
                KitClientTransport tr =
                        KitClientTransport.connect(
                                hp.substring(0, colon),
                                Integer.parseInt(hp.substring(colon + 1)),
                                device);
                return new Provisioner.Chip(chip, new CryptoChip(tr, device), null);
            }
        } catch (IOException e) {
            throw new CliException(
                    ExitCode.IO, "cannot open chip " + chip + ": " + e.getMessage(), e);
        } catch (NumberFormatException e) {
            throw CliException.usage("bad port in " + chip);
        }
        throw CliException.usage("--chip must be emulator:FILE or kit:tcp:HOST:PORT, not " + chip);
    }

    private RemoteClient client() {
        boolean tlsOptions = clientP12 != null || ca != null;
        if (!tlsOptions && token == null) return RemoteClient.fromEnvironment(service);
        String url = service != null ? service : env("meerkat.url", "MEERKAT_URL");
        String bearer = token != null ? token : env("meerkat.token", "MEERKAT_TOKEN");
        Path p12 =
                clientP12 != null ? clientP12 : pathEnv("meerkat.client.p12", "MEERKAT_CLIENT_P12");
        String pw =
                clientP12Password != null
                        ? clientP12Password
                        : env("meerkat.client.p12.password", "MEERKAT_CLIENT_P12_PASSWORD");
        Path caFile = ca != null ? ca : pathEnv("meerkat.ca", "MEERKAT_CA");
        return new RemoteClient(
                url != null ? url : RemoteClient.DEFAULT_URL, bearer, ssl(p12, pw, caFile));
    }

    private static String env(String property, String variable) {
        String v = System.getProperty(property);
        if (v == null || v.isEmpty()) v = System.getenv(variable);
        return v == null || v.isEmpty() ? null : v;
    }

    private static Path pathEnv(String property, String variable) {
        String v = env(property, variable);
        return v == null ? null : Path.of(v);
    }

    static SSLContext ssl(Path p12, String password, Path caFile) {
        return TlsFiles.context(caFile, p12, password == null ? null : password.toCharArray());
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "station";
        }
    }
}
