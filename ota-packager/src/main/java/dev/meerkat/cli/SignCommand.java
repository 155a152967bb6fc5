package dev.meerkat.cli;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

import dev.meerkat.image.Dependency;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.IntelHex;
import dev.meerkat.image.SlotTrailer;
import dev.meerkat.image.Tlv;
import dev.meerkat.image.VerificationKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sign", sortOptions = false,
        description = {"Create a signed (and optionally encrypted) MCUboot image from INFILE.",
                "Options, defaults and output bytes match imgtool 2.4's 'sign'. Paths ending in .hex are Intel HEX."})
final class SignCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // -v is imgtool's --version (the image version), so only --help comes from picocli.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "INFILE", description = "Firmware binary (or .hex).")
    Path input;

    @Parameters(index = "1", paramLabel = "OUTFILE", description = "Signed image (or .hex), written atomically.")
    Path output;

    @Option(names = {"-k", "--key"}, paramLabel = "FILE", description = "Signing key; without it the image carries only its hash.")
    Path key;

    @Option(names = "--public-key-format", defaultValue = "hash", paramLabel = "hash|full",
            description = "Identify the key by its SHA-256 (KEYHASH TLV) or embed it (PUBKEY TLV). Default: ${DEFAULT-VALUE}.")
    String publicKeyFormat;

    @Option(names = {"-H", "--header-size"}, required = true, converter = IntLiteral.class, paramLabel = "SIZE",
            description = "Header size; the payload starts at this offset.")
    long headerSize;

    @Option(names = "--pad-header", description = "Prepend the header space instead of overwriting INFILE's first bytes (which must be zero).")
    boolean padHeader;

    @Option(names = {"-v", "--version"}, required = true, paramLabel = "VERSION", description = "major.minor.revision+build")
    String version;

    @Option(names = {"-s", "--security-counter"}, paramLabel = "N|auto",
            description = "Anti-rollback counter in a protected SEC_CNT TLV; 'auto' derives it from the version.")
    String securityCounter;

    @Option(names = {"-d", "--dependencies"}, paramLabel = "DEPS", description = "Protected dependencies, e.g. \"(1,2.3.4+5), (2,1.0.0)\".")
    String dependencies;

    @Option(names = "--custom-tlv", arity = "2", paramLabel = "TAG VALUE",
            description = "Extra protected TLV: tag 0xa0..0xfffe, value as 0x-hex or text. Repeatable.")
    List<String> customTlvs = new ArrayList<>();

    @Option(names = {"-S", "--slot-size"}, converter = IntLiteral.class, defaultValue = "0", paramLabel = "SIZE",
            description = "Slot size; image + trailer must fit. Required for --pad.")
    long slotSize;

    @Option(names = "--pad", description = "Pad to the slot size and write the trailer with the boot magic (test boot).")
    boolean pad;

    @Option(names = "--test", description = "Same as --pad: the bootloader will boot the image once in test mode.")
    boolean test;

    @Option(names = "--confirm", description = "Pad and mark image_ok, so the image boots permanently (implies --pad).")
    boolean confirm;

    @Option(names = "--align", defaultValue = "1", converter = IntLiteral.class, paramLabel = "1|2|4|8|16|32",
            description = "Flash write alignment. Default: ${DEFAULT-VALUE}.")
    long align;

    @Option(names = "--max-align", converter = IntLiteral.class, paramLabel = "N",
            description = "Maximum flash alignment across slots (default: max(8, align)).")
    Long maxAlign;

    @Option(names = {"-M", "--max-sectors"}, defaultValue = "128", converter = IntLiteral.class, paramLabel = "N",
            description = "Maximum sectors a slot has (swap status size). Default: ${DEFAULT-VALUE}.")
    long maxSectors;

    @Option(names = "--overwrite-only", description = "Bootloader runs in overwrite-only mode (smaller trailer).")
    boolean overwriteOnly;

    @Option(names = {"-R", "--erased-val"}, defaultValue = "0xff", converter = IntLiteral.class, paramLabel = "0|0xff",
            description = "Value of erased flash. Default: ${DEFAULT-VALUE}.")
    long erasedValue;

    @Option(names = {"-e", "--endian"}, defaultValue = "little", paramLabel = "little", description = "Byte order (little only).")
    String endian;

    @Option(names = {"-E", "--encrypt"}, paramLabel = "FILE",
            description = "Encrypt for this public key (P-256 → ENC_EC256, X25519 → ENC_X25519, RSA-2048 → ENC_RSA2048) or 16/32-byte hex AES-KW key.")
    Path encryptKey;

    @Option(names = "--encrypt-keylen", defaultValue = "128", paramLabel = "128|256", description = "AES key length. Default: ${DEFAULT-VALUE}.")
    int encryptKeyLen;

    @Option(names = {"-L", "--load-addr"}, converter = IntLiteral.class, paramLabel = "ADDR", description = "RAM load address (sets RAM_LOAD).")
    Long loadAddr;

    @Option(names = {"-x", "--hex-addr"}, converter = IntLiteral.class, paramLabel = "ADDR", description = "Base address of .hex output.")
    Long hexAddr;

    @Option(names = "--rom-fixed", converter = IntLiteral.class, paramLabel = "ADDR", description = "Fixed ROM address (sets ROM_FIXED).")
    Long romFixed;

    @Option(names = "--non-bootable", description = "Mark the image non-bootable (e.g. a data image).")
    boolean nonBootable;

    @Option(names = "--pad-sig", description = "Pad ECDSA signatures to 72 bytes so images of a version have a fixed size.")
    boolean padSig;

    @Option(names = "--vector-to-sign", paramLabel = "payload|digest",
            description = "Write what must be signed (the signed region, or its SHA-256) to OUTFILE instead of an image.")
    String vectorToSign;

    @Option(names = "--fix-sig", paramLabel = "FILE", description = "Use this base64 signature (made elsewhere) instead of -k.")
    Path fixSig;

    @Option(names = "--fix-sig-pubkey", paramLabel = "FILE", description = "Public key of the --fix-sig signature.")
    Path fixSigPubkey;

    @Option(names = "--remote", paramLabel = "URL",
            description = "Sign with a key held by this signing service (with --key-id); only the image digest is sent.")
    String remote;

    @Option(names = "--key-id", paramLabel = "ID", description = "Id of the signing service's key (with --remote).")
    String keyId;

    @Option(names = "--sig-out", paramLabel = "FILE", description = "Also write the signature, base64, to FILE.")
    Path sigOut;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar or summary.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (!endian.equals("little")) throw CliException.usage("only little-endian images are supported (-e little)");
        if (encryptKeyLen != 128 && encryptKeyLen != 256) throw CliException.usage("--encrypt-keylen must be 128 or 256");
        if (fixSig != null && key != null) throw CliException.usage("give either -k or --fix-sig, not both");
        if ((fixSig == null) != (fixSigPubkey == null)) throw CliException.usage("--fix-sig and --fix-sig-pubkey go together");
        if ((remote == null) != (keyId == null)) throw CliException.usage("--remote and --key-id go together");
        if (remote != null && (key != null || fixSig != null)) throw CliException.usage("--remote replaces -k and --fix-sig");
        if (headerSize > 0xFFFF || headerSize < 32) throw CliException.usage("-H " + headerSize + ": header size must be 32..65535");

        ImageSigner.Builder b = ImageSigner.builder().headerSize((int) headerSize).padHeader(padHeader);
        ImageVersion v;
        try {
            v = ImageVersion.parse(version);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        b.version(v);
        if (securityCounter != null) {
            b.securityCounter(securityCounter.equals("auto") ? v.autoSecurityCounter()
                    : new IntLiteral().convert(securityCounter));
        }
        if (dependencies != null) {
            try {
                b.dependencies(Dependency.parseList(dependencies));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        for (int i = 0; i < customTlvs.size(); i += 2) b.customTlv(customTlv(customTlvs.get(i), customTlvs.get(i + 1)));
        if (loadAddr != null) b.loadAddress(loadAddr);
        if (romFixed != null) b.romFixed(romFixed);
        b.nonBootable(nonBootable);
        int a = (int) align;
        int ma = maxAlign == null ? Math.max(SlotTrailer.DEFAULT_MAX_ALIGN, a) : (int) (long) maxAlign;
        try {
            b.trailer(new SlotTrailer(a, ma, (int) maxSectors, overwriteOnly, (int) erasedValue));
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        b.slotSize(slotSize);
        if (confirm) b.padding(ImageSigner.Padding.CONFIRM);
        else if (pad || test) b.padding(ImageSigner.Padding.TEST);
        if (!publicKeyFormat.equals("hash") && !publicKeyFormat.equals("full")) {
            throw CliException.usage("--public-key-format must be hash or full");
        }
        b.publicKeyFormat(publicKeyFormat.equals("hash") ? ImageSigner.PublicKeyFormat.HASH : ImageSigner.PublicKeyFormat.FULL);
        DigestSigner signer = null;
        if (key != null) signer = KeyFiles.signingKey(key);
        if (fixSig != null) signer = DigestSigner.fixed(KeyFiles.verificationKey(fixSigPubkey), readSignature(fixSig));
        if (remote != null) {
            signer = dev.meerkat.cli.remote.RemoteSigner.connect(remote, keyId, spec.commandLine().getErr())
                    .describing(input.getFileName().toString(), version, java.nio.file.Files.size(input));
        }
        if (signer != null && padSig) signer = padded(signer);
        b.signer(signer);
        if (encryptKey != null) b.encryptFor(KeyFiles.encryptionKey(encryptKey), encryptKeyLen);
        ImageSigner imageSigner;
        try {
            imageSigner = b.build();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }

        Payload payload = Payload.load(input, (int) erasedValue);
        if (vectorToSign != null) {
            writeVector(imageSigner, payload);
            return ExitCode.OK;
        }
        ImageSigner.Result[] result = new ImageSigner.Result[1];
        boolean hexOut = output.toString().toLowerCase().endsWith(".hex");
        try (Progress progress = new Progress(spec.commandLine().getErr(), "signing", payload.length,
                Progress.interactive(quiet))) {
            if (hexOut) {
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                try (InputStream in = payload.open()) {
                    result[0] = imageSigner.sign(in, payload.length, bo, progress);
                }
                long base = hexAddr != null ? hexAddr : payload.baseAddress;
                AtomicFiles.write(output, out -> {
                    OutputStreamWriter w = new OutputStreamWriter(out, StandardCharsets.US_ASCII);
                    IntelHex.write(new IntelHex.Block(base, bo.toByteArray()), w);
                    w.flush();
                });
            } else if (payload.hexData() != null) {
                AtomicFiles.write(output, out -> {
                    try (InputStream in = payload.open()) {
                        result[0] = imageSigner.sign(in, payload.length, out, progress);
                    }
                });
            } else {
                AtomicFiles.writeChannel(output, out -> {
                    try (var in = java.nio.channels.FileChannel.open(payload.file())) {
                        result[0] = imageSigner.sign(in, out, progress);
                    }
                }, false);
            }
        } catch (IllegalArgumentException e) {
            throw CliException.usage(input + ": " + e.getMessage());
        }
        if (sigOut != null && result[0].signature() != null) {
            AtomicFiles.writeBytes(sigOut, Base64.getEncoder().encode(result[0].signature()));
        }
        if (!quiet) {
            PrintWriter o = spec.commandLine().getOut();
            o.printf("%s: %d bytes, version %s, SHA-256 %s%s%s%n", output, result[0].length(), v,
                    HexFormat.of().formatHex(result[0].digest()),
                    signer != null ? ", signed by " + signer.verificationKey() : ", unsigned",
                    encryptKey != null ? ", encrypted (AES-" + encryptKeyLen + ")" : "");
        }
        return ExitCode.OK;
    }

    private void writeVector(ImageSigner signer, Payload payload) throws Exception {
        switch (vectorToSign) {
            case "payload" -> AtomicFiles.write(output, out -> {
                try (InputStream in = payload.open()) {
                    signer.writeSignedRegion(in, payload.length, out);
                }
            });
            case "digest" -> {
                byte[] d;
                try (InputStream in = payload.open()) {
                    d = signer.digest(in, payload.length);
                }
                AtomicFiles.writeBytes(output, d);
            }
            default -> throw CliException.usage("--vector-to-sign must be payload or digest");
        }
    }

    private static Tlv customTlv(String tag, String value) {
        long t = new IntLiteral().convert(tag);
        byte[] v = value.startsWith("0x") ? HexFormat.of().parseHex(value.substring(2)) : value.getBytes(StandardCharsets.UTF_8);
        try {
            return new Tlv((int) t, v);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--custom-tlv " + tag + ": " + e.getMessage());
        }
    }

    private static byte[] readSignature(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return Base64.getDecoder().decode(text);
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCode.IO, file + ": no such file");
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw CliException.usage(file + ": not a base64 signature");
        }
    }

    /** imgtool's --pad-sig: DER ECDSA signatures padded with zeros to 72 bytes. */
    private static DigestSigner padded(DigestSigner s) {
        return new DigestSigner() {
            @Override
            public VerificationKey verificationKey() {
                return s.verificationKey();
            }

            @Override
            public byte[] signDigest(byte[] digest) {
                byte[] sig = s.signDigest(digest);
                return sig.length < 72 && s.verificationKey().type().signatureTlv() == dev.meerkat.image.TlvType.ECDSA_SIG
                        ? java.util.Arrays.copyOf(sig, 72) : sig;
            }
        };
    }

    /** The input firmware: a binary file streamed from disk, or an Intel HEX file decoded in memory. */
    record Payload(Path file, byte[] hexData, long baseAddress, long length) {
        static Payload load(Path file, int erased) throws java.io.IOException {
            if (!Files.isRegularFile(file)) throw new CliException(ExitCode.IO, file + ": no such file");
            if (file.toString().toLowerCase().endsWith(".hex")) {
                try (var r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
                    IntelHex.Block blk = IntelHex.read(r, erased);
                    return new Payload(file, blk.data(), blk.address(), blk.data().length);
                } catch (IllegalArgumentException e) {
                    throw CliException.invalid(file + ": " + e.getMessage());
                }
            }
            return new Payload(file, null, 0, Files.size(file));
        }

        InputStream open() throws java.io.IOException {
            return hexData != null ? new ByteArrayInputStream(hexData)
                    : new BufferedInputStream(Files.newInputStream(file), 1 << 20);
        }
    }
}
