package dev.meerkat.cli.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwKeys;
import dev.meerkat.fwzip.FwPart;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwZipException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat package create}: builds a fw.zip from part files. */
@Command(
        name = "create",
        description = {
            "Create a fw.zip bundle (manifest.json first, all entries STORED).",
            "Parts use mgos_fw_meta.py syntax, e.g. app:type=app,src=app.bin,addr=0x10000,ptn=app_0"
        },
        sortOptions = false)
final class CreateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    @Option(
            names = {"-n", "--name"},
            required = true,
            description = "Firmware name.")
    String name;

    @Option(
            names = {"-p", "--platform"},
            required = true,
            description = "Platform, e.g. esp32.")
    String platform;

    @Option(
            names = {"-v", "--version"},
            description = "Firmware version (or use --build-info).")
    String version;

    @Option(names = "--build-id", description = "Build identifier.")
    String buildId;

    @Option(names = "--build-timestamp", description = "Build time, e.g. 2026-01-01T00:00:00Z.")
    String buildTimestamp;

    @Option(
            names = {"-i", "--build-info"},
            paramLabel = "FILE|JSON",
            description =
                    "Build info JSON (file or inline) with build_version, build_id and"
                            + " build_timestamp, as written by mgos_fw_meta.py gen_build_info.")
    String buildInfo;

    @Option(
            names = {"-d", "--description"},
            description = "Free-text description.")
    String description;

    @Option(
            names = "--src-dir",
            paramLabel = "DIR",
            description =
                    "Directory relative part"
                            + " sources are read from (default: current directory).")
    Path srcDir;

    @Option(
            names = "--extra-attr",
            paramLabel = "KEY=VALUE",
            description = "Extra top-level manifest field (typed like part values). Repeatable.")
    List<String> extraAttrs = new ArrayList<>();

    @Option(
            names = "--part",
            paramLabel = "SPEC",
            description =
                    "A part: name:key=value,..."
                            + " Repeatable; parts may also be given as arguments.")
    List<String> partOptions = new ArrayList<>();

    @Parameters(paramLabel = "PART", arity = "0..*", description = "More part specifications.")
    List<String> partArgs = new ArrayList<>();

    @Option(
            names = "--layout",
            paramLabel = "root|dir",
            defaultValue = "root",
            description =
                    "Entries at the archive root (as mos) or under <name>-<version>/ (as"
                            + " mgos_fw_meta.py). Default: ${DEFAULT-VALUE}.")
    String layout;

    @Option(
            names = "--sign-key",
            paramLabel = "KEY.pem",
            description =
                    "ECDSA P-256 private key;"
                            + " the n-th key signs into slot sig<n-1>. Repeatable.")
    List<Path> signKeys = new ArrayList<>();

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FW.zip",
            description = "Output file (replaced atomically).")
    Path output;

    @Override
    public Integer call() {
        FwBundle.Layout lay;
        switch (layout.toLowerCase(java.util.Locale.ROOT)) {
            case "root" -> lay = FwBundle.Layout.ROOT;
            case "dir", "directory" -> lay = FwBundle.Layout.DIRECTORY;
            default -> {
                return PackageCommand.usage(
                        spec, "--layout must be 'root' or 'dir', not '" + layout + "'");
            }
        }
        List<String> specs = new ArrayList<>(partOptions);
        specs.addAll(partArgs);
        if (specs.isEmpty()) {
            return PackageCommand.usage(spec, "at least one part is required (--part SPEC)");
        }
        String ver = version;
        String bid = buildId;
        String bts = buildTimestamp;
        if (buildInfo != null) {
            JsonNode bi;
            try {
                Path p = Path.of(buildInfo);
                byte[] json =
                        Files.isRegularFile(p)
                                ? Files.readAllBytes(p)
                                : buildInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                bi = new ObjectMapper().readTree(json);
            } catch (IOException | RuntimeException e) {
                return PackageCommand.usage(
                        spec, "--build-info " + buildInfo + ": not readable JSON");
            }
            if (bi == null || !bi.isObject()) {
                return PackageCommand.usage(spec, "--build-info must be a JSON object");
            }
            if (ver == null && bi.hasNonNull("build_version")) {
                ver = bi.get("build_version").asText();
            }
            if (bid == null && bi.hasNonNull("build_id")) {
                bid = bi.get("build_id").asText();
            }
            if (bts == null && bi.hasNonNull("build_timestamp")) {
                bts = bi.get("build_timestamp").asText();
            }
        }
        if (ver == null || ver.isEmpty()) {
            return PackageCommand.usage(
                    spec, "--version (or --build-info with build_version) is" + " required");
        }
        FwBundleWriter.Builder b;
        try {
            b =
                    FwBundleWriter.builder(name, platform, ver)
                            .buildId(bid)
                            .buildTimestamp(bts)
                            .description(description)
                            .layout(lay);
            for (String e : extraAttrs) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    return PackageCommand.usage(
                            spec, "--extra-attr '" + e + "': expected KEY=VALUE");
                }
                String v = e.substring(eq + 1);
                b.attribute(
                        e.substring(0, eq),
                        v.equals("null")
                                ? com.fasterxml.jackson.databind.node.NullNode.getInstance()
                                : PartSpec.value(v));
            }
            Map<String, Boolean> seen = new LinkedHashMap<>();
            for (String s : specs) {
                PartSpec ps = PartSpec.parse(s);
                if (seen.put(ps.name(), true) != null) {
                    return PackageCommand.usage(spec, "part '" + ps.name() + "' is given twice");
                }
                b = addPart(b, ps);
            }
        } catch (IllegalArgumentException e) {
            return PackageCommand.usage(spec, e.getMessage());
        }
        try {
            for (Path k : signKeys) {
                b.signWith(FwKeys.readPrivateKey(k));
            }
            FwBundleWriter.Result r = b.build().write(output);
            var out = spec.commandLine().getOut();
            out.println(
                    "Wrote "
                            + output
                            + " ("
                            + r.manifest().parts().size()
                            + " parts"
                            + (r.signatures().isEmpty()
                                    ? ", unsigned"
                                    : ", signatures: "
                                            + String.join(
                                                    ", ",
                                                    r.signatures().stream()
                                                            .map(FwSignature::key)
                                                            .toList()))
                            + ")");
            out.flush();
            return PackageCommand.OK;
        } catch (FwZipException e) {
            return PackageCommand.fail(spec, output, e);
        }
    }

    private FwBundleWriter.Builder addPart(FwBundleWriter.Builder b, PartSpec ps) {
        Map<String, JsonNode> attrs = new LinkedHashMap<>(ps.attributes());
        String type = text(attrs.remove("type"), ps.name(), "type");
        String src = text(attrs.remove("src"), ps.name(), "src");
        for (String k : List.of("size", "cs_sha1", "cs_sha256")) {
            if (attrs.containsKey(k)) {
                throw new IllegalArgumentException(
                        "part '"
                                + ps.name()
                                + "': "
                                + k
                                + " is computed from the data and cannot be given");
            }
        }
        if (src == null || src.isEmpty()) {
            return b.addPart(new FwPart(ps.name(), type, null, null, null, null, attrs));
        }
        Path file = Path.of(src);
        if (!file.isAbsolute() && srcDir != null) {
            file = srcDir.resolve(file);
        }
        return b.addPart(new FwPart(ps.name(), type, null, null, null, null, attrs), file);
    }

    private static String text(JsonNode n, String part, String key) {
        if (n == null) {
            return null;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException("part '" + part + "': " + key + " must be a string");
        }
        return n.textValue();
    }
}
