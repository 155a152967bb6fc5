package dev.meerkat.cli.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwEntry;
import dev.meerkat.fwzip.FwManifest;
import dev.meerkat.fwzip.FwPart;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwZipException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat package inspect}: shows a bundle's manifest, entries and signatures. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description =
                "Show a fw.zip bundle's manifest, entries and signatures (no checks of part"
                        + " data; use verify for that).")
final class InspectCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Parameters(paramLabel = "FW.zip", description = "The bundle.")
    Path file;

    @Override
    public Integer call() {
        try (FwBundle b = FwBundle.open(file)) {
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(BundleJson.write(BundleJson.inspect(file, b)));
            } else {
                FwManifest m = b.manifest();
                out.printf(
                        "File:        %s (%d bytes, layout %s%s)%n",
                        file,
                        b.fileSize(),
                        b.layout() == FwBundle.Layout.ROOT ? "root" : "dir",
                        b.entryPrefix().isEmpty() ? "" : " '" + b.entryPrefix() + "'");
                out.printf("Name:        %s%n", m.name());
                out.printf("Platform:    %s%n", m.platform());
                out.printf("Version:     %s%n", m.version());
                if (m.buildId() != null) {
                    out.printf("Build ID:    %s%n", m.buildId());
                }
                if (m.buildTimestamp() != null) {
                    out.printf("Built:       %s%n", m.buildTimestamp());
                }
                if (m.description() != null) {
                    out.printf("Description: %s%n", m.description());
                }
                for (Map.Entry<String, JsonNode> a : m.attributes().entrySet()) {
                    out.printf("  %s = %s%n", a.getKey(), a.getValue());
                }
                out.printf("Parts (%d):%n", m.parts().size());
                for (FwPart p : m.parts().values()) {
                    out.printf(
                            "  %-10s type=%s src=%s size=%s%n",
                            p.name(), p.type(), p.src(), p.size());
                    for (Map.Entry<String, JsonNode> a : p.attributes().entrySet()) {
                        out.printf("             %s = %s%n", a.getKey(), a.getValue());
                    }
                    if (p.csSha256() != null) {
                        out.printf("             sha256 %s%n", p.csSha256());
                    }
                }
                out.printf("Entries (%d):%n", b.entries().size());
                for (FwEntry e : b.entries()) {
                    out.printf(
                            "  %-32s %-8s %10d bytes at %d%n",
                            e.name(),
                            e.method().name().toLowerCase(java.util.Locale.ROOT),
                            e.size(),
                            e.localHeaderOffset());
                }
                if (b.signatures().isEmpty()) {
                    out.println("Signatures:  none");
                } else {
                    out.printf("Signatures (%d):%n", b.signatures().size());
                    for (FwSignature s : b.signatures()) {
                        out.printf("  %s %d bytes%n", s.key(), s.der().length);
                    }
                }
                if (!b.unreferencedEntries().isEmpty()) {
                    out.println(
                            "Unreferenced entries: " + String.join(", ", b.unreferencedEntries()));
                }
            }
            out.flush();
            return PackageCommand.OK;
        } catch (FwZipException e) {
            return PackageCommand.fail(spec, file, e);
        }
    }
}
