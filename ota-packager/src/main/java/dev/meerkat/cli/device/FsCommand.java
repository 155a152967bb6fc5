package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code meerkat fs ls|get|put|rm}: files on a device, as {@code mos ls/get/put/rm}. */
@Command(
        name = "fs",
        mixinStandardHelpOptions = true,
        description =
                "List, read, write and remove files on a device (FS.List, FS.Get, FS.Put, FS.Remove).",
        subcommands = {
            FsCommand.Ls.class,
            FsCommand.Get.class,
            FsCommand.Put.class,
            FsCommand.Rm.class
        })
public final class FsCommand implements Runnable {

    /**
     * Bytes per FS.Get / FS.Put call: well under every channel's message limit once base64-encoded.
     */
    static final int CHUNK = 48 * 1024;

    private static final String EXIT =
            "%nExit codes: 0 ok, 1 the device refused (no such file, 401/403),%n"
                    + "2 usage error, 3 I/O error or unreachable.";

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code fs ls}. */
    @Command(
            name = "ls",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "List the device's files.",
            footer = {DeviceOptions.PORTS, EXIT})
    static final class Ls implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Option(names = "--json", description = "Print {\"files\":[names…]} on one line.")
        boolean json;

        @Override
        public Integer call() {
            try (RpcLink link = device.open()) {
                JsonNode list = device.call(link, "FS.List", null);
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    ObjectNode o = Json.object();
                    o.set("files", list == null ? Json.MAPPER.createArrayNode() : list);
                    DeviceJson.print(out, o, true);
                } else {
                    if (list != null) {
                        list.forEach(n -> out.println(n.asText()));
                    }
                    out.flush();
                }
            }
            return 0;
        }
    }

    /** {@code fs get}. */
    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description =
                    "Read a file from the device: into LOCAL (written atomically), or to standard "
                            + "output as text when LOCAL is absent.",
            footer = {DeviceOptions.PORTS, EXIT})
    static final class Get implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Parameters(index = "0", paramLabel = "FILE", description = "Name on the device.")
        String name;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "LOCAL",
                description = "Where to write it.")
        Path local;

        @Override
        public Integer call() throws IOException {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            try (RpcLink link = device.open()) {
                long left;
                do {
                    JsonNode r =
                            device.call(
                                    link,
                                    "FS.Get",
                                    Json.object()
                                            .put("filename", name)
                                            .put("offset", data.size())
                                            .put("len", CHUNK));
                    byte[] part;
                    try {
                        part = Base64.getDecoder().decode(r.path("data").asText(""));
                    } catch (IllegalArgumentException e) {
                        throw new CliException(
                                ExitCode.IO, "the device sent " + name + " as invalid base64");
                    }
                    data.writeBytes(part);
                    left = r.path("left").asLong(0);
                    if (part.length == 0 && left > 0) {
                        throw new CliException(
                                ExitCode.IO, "the device sent an empty part of " + name);
                    }
                } while (left > 0);
            }
            if (local == null) {
                PrintWriter out = spec.commandLine().getOut();
                out.print(new String(data.toByteArray(), StandardCharsets.UTF_8));
                out.flush();
            } else {
                AtomicFiles.writeBytes(local, data.toByteArray());
            }
            return 0;
        }
    }

    /** {@code fs put}. */
    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description =
                    "Write LOCAL to the device as FILE (default: LOCAL's file name), in parts of 48 "
                            + "KiB. The device has no rename: an interrupted upload leaves a shorter file; run it again.",
            footer = {DeviceOptions.PORTS, EXIT})
    static final class Put implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Parameters(index = "0", paramLabel = "LOCAL", description = "The file to send.")
        Path local;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "FILE",
                description = "Name on the device.")
        String name;

        @Option(names = "--json", description = "Print {\"file\", \"bytes\"} as JSON.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            byte[] data = Files.readAllBytes(local);
            String target = name != null ? name : local.getFileName().toString();
            try (RpcLink link = device.open()) {
                int off = 0;
                do {
                    int n = Math.min(CHUNK, data.length - off);
                    ObjectNode args =
                            Json.object()
                                    .put("filename", target)
                                    .put(
                                            "data",
                                            Base64.getEncoder()
                                                    .encodeToString(
                                                            Arrays.copyOfRange(
                                                                    data, off, off + n)));
                    if (off > 0) {
                        args.put("append", true);
                    }
                    device.call(link, "FS.Put", args);
                    off += n;
                } while (off < data.length);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                DeviceJson.print(
                        out, Json.object().put("file", target).put("bytes", data.length), true);
            } else {
                out.println("wrote " + target + " (" + data.length + " bytes)");
                out.flush();
            }
            return 0;
        }
    }

    /** {@code fs rm}. */
    @Command(
            name = "rm",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            description = "Remove files from the device.",
            footer = {DeviceOptions.PORTS, EXIT})
    static final class Rm implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin DeviceOptions device;

        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Names on the device.")
        String[] names;

        @Override
        public Integer call() {
            try (RpcLink link = device.open()) {
                for (String n : names) {
                    device.call(link, "FS.Remove", Json.object().put("filename", n));
                }
            }
            return 0;
        }
    }
}
