package dev.meerkat.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.ImageDump;
import dev.meerkat.image.ImageHeader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "dumpinfo",
        mixinStandardHelpOptions = true,
        description =
                "Print an image's header, TLVs and trailer; -f json prints the same JSON as imgtool dumpinfo.")
final class DumpinfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(
            names = {"-f", "--format"},
            paramLabel = "text|human|json",
            description =
                    "text (also 'human') or json. Default: text on stdout, json with -o (imgtool writes YAML there;"
                            + " JSON is YAML 1.2, and -f yaml is refused rather than approximated).")
    String format;

    @Option(
            names = {"-o", "--outfile"},
            paramLabel = "FILE",
            description = "Write the information to FILE (atomically).")
    Path outfile;

    @Option(
            names = {"-s", "--silent"},
            description = "Accepted for imgtool compatibility; imgtool ignores it too.")
    boolean silent;

    @Override
    public Integer call() throws Exception {
        String f = format != null ? format : outfile != null ? "json" : "text";
        if (f.equals("human")) f = "text";
        if (f.equals("yaml")) {
            throw CliException.usage(
                    "-f yaml is not supported: use -f json (the same fields; YAML 1.2 parsers read JSON)");
        }
        if (!f.equals("text") && !f.equals("json"))
            throw CliException.usage("-f must be text, human or json");
        JsonNode d;
        try (ImageFiles.Opened img = ImageFiles.open(image)) {
            d = ImageDump.describe(image.getFileName().toString(), img.source());
        }
        if (outfile != null) {
            java.io.StringWriter sw = new java.io.StringWriter();
            // Like imgtool's json.dump to a file: no newline after the document.
            if (f.equals("json")) sw.write(ImageDump.toPythonJson(d));
            else printText(new PrintWriter(sw), d);
            AtomicFiles.writeBytes(
                    outfile, sw.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return ExitCode.OK;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (f.equals("json")) {
            out.println(ImageDump.toPythonJson(d));
            return ExitCode.OK;
        }
        printText(out, d);
        out.flush();
        return ExitCode.OK;
    }

    private void printText(PrintWriter out, JsonNode d) {
        JsonNode h = d.get("header");
        int flags = h.get("flags").asInt();
        out.printf("Image: %s%n", image);
        out.printf(
                "  header    magic 0x%08x, hdr_size 0x%x, img_size %d, protected TLVs %d bytes%n",
                h.get("magic").asLong(),
                h.get("hdr_size").asInt(),
                h.get("img_size").asLong(),
                h.get("protected_tlv_size").asInt());
        out.printf("  version   %s%n", h.get("version").asText());
        out.printf("  load_addr 0x%x%n", h.get("load_addr").asLong());
        out.printf("  flags     0x%x%s%n", flags, flagNames(flags));
        JsonNode area = d.get("tlv_area");
        for (JsonNode t : area.get("tlvs_prot")) printTlv(out, "protected", t);
        for (JsonNode t : area.get("tlvs")) printTlv(out, "TLV", t);
        JsonNode tr = d.get("trailer");
        if (tr.isEmpty()) {
            out.println("  trailer   none (image not padded)");
        } else {
            out.printf(
                    "  trailer   magic %s, image_ok 0x%02x, copy_done 0x%02x, swap_info 0x%02x, swap_size 0x%x%n",
                    tr.get("magic").asText(),
                    tr.get("image_ok").asInt(),
                    tr.get("copy_done").asInt(),
                    tr.get("swap_info").asInt(),
                    tr.get("swap_size").asLong());
        }
        out.flush();
    }

    private static void printTlv(PrintWriter out, String area, JsonNode t) {
        String data = t.get("data").asText();
        if (data.length() > 64) data = data.substring(0, 64) + "…";
        out.printf(
                "  %-9s %-10s (0x%02x) %4d bytes  %s%n",
                area,
                t.get("type_name").asText(),
                t.get("type").asInt(),
                t.get("len").asInt(),
                data);
    }

    private static String flagNames(int f) {
        StringBuilder sb = new StringBuilder();
        if ((f & ImageHeader.FLAG_PIC) != 0) sb.append(" PIC");
        if ((f & ImageHeader.FLAG_ENCRYPTED_AES128) != 0) sb.append(" ENCRYPTED_AES128");
        if ((f & ImageHeader.FLAG_ENCRYPTED_AES256) != 0) sb.append(" ENCRYPTED_AES256");
        if ((f & ImageHeader.FLAG_NON_BOOTABLE) != 0) sb.append(" NON_BOOTABLE");
        if ((f & ImageHeader.FLAG_RAM_LOAD) != 0) sb.append(" RAM_LOAD");
        if ((f & ImageHeader.FLAG_ROM_FIXED) != 0) sb.append(" ROM_FIXED");
        return sb.length() == 0 ? "" : " (" + sb.toString().trim() + ")";
    }
}
