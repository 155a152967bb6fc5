package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.JsonOutput;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat pki}: the device CA of the signing service, without curl. */
@Command(
        name = "pki",
        mixinStandardHelpOptions = true,
        description =
                "Manage the signing service's device PKI: CA hierarchy, device certificates, revocation, CRL.",
        subcommands = {
            PkiCommand.Root.class,
            PkiCommand.IssuingCa.class,
            PkiCommand.Ca.class,
            PkiCommand.Revoke.class,
            PkiCommand.Crl.class,
            PkiCommand.Certs.class
        })
public final class PkiCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.IO, file + ": no such file");
        } catch (java.io.IOException e) {
            throw new CliException(ExitCode.IO, file + ": " + e.getMessage(), e);
        }
    }

    static void out(CommandSpec spec, Path output, byte[] data, String what) {
        try {
            if (output == null) {
                PrintWriter o = spec.commandLine().getOut();
                o.print(new String(data, StandardCharsets.US_ASCII));
                o.flush();
            } else {
                AtomicFiles.writeBytes(output, data);
                spec.commandLine().getErr().printf("%s: %s, %d bytes%n", output, what, data.length);
                spec.commandLine().getErr().flush();
            }
        } catch (java.io.IOException e) {
            throw new CliException(ExitCode.IO, output + ": " + e.getMessage(), e);
        }
    }

    static String caLine(JsonNode ca) {
        return String.format(
                "%-28s %-8s %-22s %s",
                ca.path("id").asText(),
                ca.path("kind").asText(),
                ca.path("state").asText(),
                ca.path("subject").asText());
    }

    @Command(
            name = "root",
            mixinStandardHelpOptions = true,
            description =
                    "Create the root CA in a key backend of the service, or import an offline root's certificate.")
    static final class Root implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = "--backend",
                paramLabel = "NAME",
                description = "software or pkcs11 (default: the service's).")
        String backend;

        @Option(
                names = "--import",
                paramLabel = "PEM",
                description = "Import this root certificate; its key stays offline.")
        Path importCert;

        @Override
        public Integer call() {
            RemoteClient c = service.client();
            JsonNode ca =
                    importCert != null
                            ? c.post(
                                            "/api/v1/pki/root/import",
                                            Map.of("certificate", read(importCert)))
                                    .json()
                            : c.post(
                                            "/api/v1/pki/root",
                                            backend == null ? Map.of() : Map.of("backend", backend))
                                    .json();
            spec.commandLine().getOut().println(caLine(ca));
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "issuing-ca",
            mixinStandardHelpOptions = true,
            description = {
                "Create the issuing device CA (signed at once by a root held by the service; with an offline"
                        + " root, its CSR is printed), or install the certificate the offline root made."
            })
    static final class IssuingCa implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = "--signer-id",
                paramLabel = "N",
                description = "0-65535: the ID chips' compressed certificates carry.")
        Integer signerId;

        @Option(names = "--backend", paramLabel = "NAME")
        String backend;

        @Option(
                names = "--install",
                paramLabel = "PEM",
                description = "Install the issuing CA certificate from the offline root.")
        Path install;

        @Override
        public Integer call() {
            RemoteClient c = service.client();
            JsonNode ca;
            if (install != null) {
                ca =
                        c.post(
                                        "/api/v1/pki/issuing-ca/certificate",
                                        Map.of("certificate", read(install)))
                                .json();
            } else {
                if (signerId == null)
                    throw CliException.usage("--signer-id is required to create an issuing CA");
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("signerId", signerId);
                if (backend != null) body.put("backend", backend);
                ca = c.post("/api/v1/pki/issuing-ca", body).json();
            }
            PrintWriter o = spec.commandLine().getOut();
            o.println(caLine(ca));
            if (ca.hasNonNull("csr") && !"active".equals(ca.path("state").asText()))
                o.print(ca.path("csr").asText());
            o.flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "ca",
            mixinStandardHelpOptions = true,
            description =
                    "Print the chain devices are checked against (issuing CA, then root), or list the CAs.")
    static final class Ca implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE")
        Path output;

        @Option(names = "--list", description = "List every CA with its state instead.")
        boolean list;

        @Override
        public Integer call() {
            RemoteClient c = service.client();
            if (list) {
                PrintWriter o = spec.commandLine().getOut();
                for (JsonNode ca : c.get("/api/v1/pki/cas")) o.println(caLine(ca));
                o.flush();
                return ExitCode.OK;
            }
            out(
                    spec,
                    output,
                    c.getAs("/api/v1/pki/ca", "application/x-pem-file").raw().body(),
                    "CA chain (PEM)");
            return ExitCode.OK;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke a device certificate by its serial number.")
    static final class Revoke implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Parameters(
                paramLabel = "SERIAL",
                description = "Certificate serial number (hex), as 'meerkat pki certs' shows it.")
        String serial;

        @Option(
                names = "--reason",
                defaultValue = "unspecified",
                paramLabel = "REASON",
                description =
                        "RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded,"
                                + " cessationOfOperation, privilegeWithdrawn. Default: ${DEFAULT-VALUE}.")
        String reason;

        @Override
        public Integer call() {
            JsonNode cert =
                    service.client()
                            .post(
                                    "/api/v1/pki/certs/" + RemoteClient.encode(serial) + "/revoke",
                                    Map.of("reason", reason))
                            .json();
            spec.commandLine()
                    .getOut()
                    .printf(
                            "%s chip %s: revoked at %s (%s)%n",
                            cert.path("serial").asText(),
                            cert.path("chipSerial").asText(),
                            cert.path("revokedAt").asText(),
                            cert.path("revocationReason").asText());
            spec.commandLine().getOut().flush();
            return ExitCode.OK;
        }
    }

    @Command(
            name = "crl",
            mixinStandardHelpOptions = true,
            description = "Fetch the issuing CA's current CRL (DER).")
    static final class Crl implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = {"-o", "--output"},
                required = true,
                paramLabel = "FILE")
        Path output;

        @Override
        public Integer call() {
            out(
                    spec,
                    output,
                    service.client().getAs("/api/v1/pki/crl", "application/pkix-crl").raw().body(),
                    "CRL (DER)");
            return ExitCode.OK;
        }
    }

    @Command(
            name = "certs",
            mixinStandardHelpOptions = true,
            description = "List device certificates (newest first).")
    static final class Certs implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceOptions service;

        @Option(
                names = "--serial",
                paramLabel = "HEX",
                description = "A chip serial number or a certificate serial number.")
        String serial;

        @Option(names = "--status", paramLabel = "STATUS", description = "active or revoked.")
        String status;

        @Option(names = "--limit", defaultValue = "1000", paramLabel = "N")
        int limit;

        @Option(
                names = "--json",
                description =
                        "Print {\"certificates\":[…]} (the service's objects) instead of text.")
        boolean json;

        @Override
        public Integer call() {
            StringBuilder q = new StringBuilder("/api/v1/pki/certs?limit=" + limit);
            if (serial != null) q.append("&serial=").append(RemoteClient.encode(serial));
            if (status != null) q.append("&status=").append(RemoteClient.encode(status));
            JsonNode all = service.client().get(q.toString());
            if (json) {
                JsonOutput.print(
                        spec.commandLine().getOut(), JsonOutput.object("certificates", all));
                return ExitCode.OK;
            }
            PrintWriter o = spec.commandLine().getOut();
            for (JsonNode c : all) {
                o.printf(
                        "%-34s chip %s %-8s %s%s%n",
                        c.path("serial").asText(),
                        c.path("chipSerial").asText(),
                        c.path("status").asText(),
                        c.path("issuedAt").asText(),
                        c.hasNonNull("revocationReason")
                                ? " (" + c.path("revocationReason").asText() + ")"
                                : "");
            }
            o.flush();
            return ExitCode.OK;
        }
    }
}
