package dev.meerkat.cli;

import dev.meerkat.cli.io.AtomicFiles;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cli.io.JsonOutput;
import dev.meerkat.image.Dependency;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.IntelHex;
import dev.meerkat.image.SlotTrailer;
import dev.meerkat.image.Tlv;
import dev.meerkat.image.VerificationKey;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "sign",
        aliases = "create",
        sortOptions = false,
        description = {
            "Create a signed (and optionally encrypted) MCUboot image from INFILE.",
            "Options, defaults and output bytes match imgtool 2.4's 'sign' ('create' is its alias)."
                    + " Paths ending in .hex are Intel HEX."
        })
final class SignCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    // Set when FastStart runs this command without picocli; otherwise picocli's streams are used.
    PrintWriter out;
    PrintWriter err;

    // -v is imgtool's --version (the image version), so only --help comes from picocli.
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "INFILE", description = "Firmware binary (or .hex).")
    Path input;

    @Parameters(
            index = "1",
            paramLabel = "OUTFILE",
            description = "Signed image (or .hex), written atomically.")
    Path output;

    @Option(
            names = {"-k", "--key"},
            paramLabel = "FILE",
            description = "Signing key; without it the image carries only its hash.")
    Path key;

    @Option(
            names = "--public-key-format",
            paramLabel = "hash|full",
            description =
                    "Identify the key by its SHA-256 (KEYHASH TLV) or embed it (PUBKEY TLV). Default: ${DEFAULT-VALUE}.")
    String publicKeyFormat = "hash";

    @Option(
            names = {"-H", "--header-size"},
            required = true,
            converter = IntLiteral.class,
            paramLabel = "SIZE",
            description = "Header size; the payload starts at this offset.")
    long headerSize;

    @Option(
            names = "--pad-header",
            description =
                    "Prepend the header space instead of overwriting INFILE's first bytes (which must be zero).")
    boolean padHeader;

    @Option(
            names = {"-v", "--version"},
            required = true,
            paramLabel = "VERSION",
            description = "major.minor.revision+build")
    String version;

    @Option(
            names = {"-s", "--security-counter"},
            paramLabel = "N|auto",
            description =
                    "Anti-rollback counter in a protected SEC_CNT TLV; 'auto' derives it from the version.")
    String securityCounter;

    @Option(
            names = {"-d", "--dependencies"},
            paramLabel = "DEPS",
            description = "Protected dependencies, e.g. \"(1,2.3.4+5), (2,1.0.0)\".")
    String dependencies;

    @Option(
            names = "--custom-tlv",
            arity = "2",
            paramLabel = "TAG VALUE",
            description =
                    "Extra protected TLV: tag 0xa0..0xfffe, value as 0x-hex or text. Repeatable.")
    List<String> customTlvs = new ArrayList<>();

    @Option(
            names = "--custom-tlv-file",
            arity = "2",
            paramLabel = "TAG FILE",
            description = "Extra protected TLV whose value is the content of FILE. Repeatable.")
    List<String> customTlvFiles = new ArrayList<>();

    @Option(
            names = "--boot-record",
            paramLabel = "SW_TYPE",
            description =
                    "Add a CBOR boot record TLV (measured boot) naming the software type, at most 12 characters.")
    String bootRecord;

    @Option(
            names = "--vid",
            paramLabel = "UUID|DOMAIN",
            description =
                    "Vendor UUID TLV: a UUID, or a name hashed into one (UUIDv5, DNS namespace).")
    String vendorId;

    @Option(
            names = "--cid",
            paramLabel = "UUID|NAME",
            description =
                    "Image class UUID TLV: a UUID, or a name hashed into one in the --vid namespace.")
    String classId;

    @Option(
            names = {"-S", "--slot-size"},
            converter = IntLiteral.class,
            paramLabel = "SIZE",
            description = "Slot size; image + trailer must fit. Required for --pad.")
    long slotSize = 0;

    @Option(
            names = "--pad",
            description =
                    "Pad to the slot size and write the trailer with the boot magic (test boot).")
    boolean pad;

    @Option(
            names = "--test",
            description = "Same as --pad: the bootloader will boot the image once in test mode.")
    boolean test;

    @Option(
            names = "--confirm",
            description = "Pad and mark image_ok, so the image boots permanently (implies --pad).")
    boolean confirm;

    @Option(
            names = "--align",
            converter = IntLiteral.class,
            paramLabel = "1|2|4|8|16|32",
            description = "Flash write alignment. Default: ${DEFAULT-VALUE}.")
    long align = 1;

    @Option(
            names = "--max-align",
            converter = IntLiteral.class,
            paramLabel = "N",
            description = "Maximum flash alignment across slots (default: max(8, align)).")
    Long maxAlign;

    @Option(
            names = {"-M", "--max-sectors"},
            converter = IntLiteral.class,
            paramLabel = "N",
            description =
                    "Maximum sectors a slot has (swap status size). Default: ${DEFAULT-VALUE}.")
    long maxSectors = 128;

    @Option(
            names = "--overwrite-only",
            description = "Bootloader runs in overwrite-only mode (smaller trailer).")
    boolean overwriteOnly;

    @Option(
            names = {"-R", "--erased-val"},
            converter = IntLiteral.class,
            paramLabel = "0|0xff",
            description = "Value of erased flash. Default: 0xff.")
    long erasedValue = 0xff;

    @Option(
            names = {"-e", "--endian"},
            paramLabel = "little",
            description = "Byte order (little only).")
    String endian = "little";

    @Option(
            names = {"-E", "--encrypt"},
            paramLabel = "FILE",
            description =
                    "Encrypt for this public key (P-256 → ENC_EC256, X25519 → ENC_X25519, RSA-2048 → ENC_RSA2048) or 16/32-byte hex AES-KW key.")
    Path encryptKey;

    @Option(
            names = "--encrypt-keylen",
            paramLabel = "128|256",
            description = "AES key length. Default: ${DEFAULT-VALUE}.")
    int encryptKeyLen = 128;

    @Option(
            names = {"-c", "--clear"},
            description =
                    "With -E: carry the wrapped key but leave the payload in clear, for the primary slot; encrypted when swapped out.")
    boolean clear;

    @Option(
            names = "--save-enctlv",
            description =
                    "With -E and padding: size the trailer for a bootloader built with BOOT_SWAP_SAVE_ENCTLV (saves the key TLV).")
    boolean saveEncTlv;

    @Option(
            names = "--sha",
            paramLabel = "auto|256",
            description = "Image hash; only SHA-256. Default: ${DEFAULT-VALUE}.")
    String sha = "auto";

    @Option(
            names = "--hmac-sha",
            paramLabel = "auto|256",
            description =
                    "HMAC of the ECIES key exchange; only SHA-256. Default: ${DEFAULT-VALUE}.")
    String hmacSha = "auto";

    @Option(
            names = "--pure",
            description =
                    "Refused: Ed25519 over the whole image (needs an MCUboot built for pure signatures).")
    boolean pure;

    @Option(
            names = "--compression",
            paramLabel = "disabled",
            description = "Refused unless 'disabled': LZMA2-compressed images.")
    String compression = "disabled";

    @Option(
            names = {"-L", "--load-addr"},
            converter = IntLiteral.class,
            paramLabel = "ADDR",
            description = "RAM load address (sets RAM_LOAD).")
    Long loadAddr;

    @Option(
            names = {"-x", "--hex-addr"},
            converter = IntLiteral.class,
            paramLabel = "ADDR",
            description = "Base address of .hex output.")
    Long hexAddr;

    @Option(
            names = {"-F", "--rom-fixed"},
            converter = IntLiteral.class,
            paramLabel = "ADDR",
            description = "Fixed ROM address (sets ROM_FIXED).")
    Long romFixed;

    @Option(
            names = "--non-bootable",
            description = "Mark the image non-bootable (e.g. a data image).")
    boolean nonBootable;

    @Option(
            names = "--pad-sig",
            description =
                    "Pad ECDSA signatures to 72 bytes so images of a version have a fixed size.")
    boolean padSig;

    @Option(
            names = "--vector-to-sign",
            paramLabel = "payload|digest",
            description =
                    "Write what must be signed (the signed region, or its SHA-256) to OUTFILE instead of an image.")
    String vectorToSign;

    @Option(
            names = "--fix-sig",
            paramLabel = "FILE",
            description = "Use this base64 signature (made elsewhere) instead of -k.")
    Path fixSig;

    @Option(
            names = "--fix-sig-pubkey",
            paramLabel = "FILE",
            description = "Public key of the --fix-sig signature.")
    Path fixSigPubkey;

    @Option(
            names = "--remote",
            paramLabel = "URL",
            description =
                    "Sign with a key held by this signing service (with --key-id); only the image digest is sent.")
    String remote;

    @Option(
            names = "--key-id",
            paramLabel = "ID",
            description = "Id of the signing service's key (with --remote).")
    String keyId;

    @Option(
            names = "--sig-out",
            paramLabel = "FILE",
            description = "Also write the signature, base64, to FILE.")
    Path sigOut;

    @Option(
            names = {"-q", "--quiet"},
            description = "No progress bar or summary.")
    boolean quiet;

    @Option(
            names = "--json",
            description =
                    "Print the summary as one JSON object (output, length, version, sha256, key, encryption).")
    boolean json;

    private SlotTrailer slotTrailer;
    private DigestSigner usedSigner;
    private int encTlvLength;

    @Override
    public Integer call() throws Exception {
        if (!endian.equals("little")) {
            throw CliException.usage(
                    "-e "
                            + endian
                            + ": not supported; MCUboot's targets here are little-endian (-e little)");
        }
        refuseUnsupported();
        if (encryptKeyLen != 128 && encryptKeyLen != 256)
            throw CliException.usage("--encrypt-keylen must be 128 or 256");
        if (fixSig != null && key != null)
            throw CliException.usage("give either -k or --fix-sig, not both");
        if ((fixSig == null) != (fixSigPubkey == null))
            throw CliException.usage("--fix-sig and --fix-sig-pubkey go together");
        if ((remote == null) != (keyId == null))
            throw CliException.usage("--remote and --key-id go together");
        if (remote != null && (key != null || fixSig != null))
            throw CliException.usage("--remote replaces -k and --fix-sig");
        if (headerSize > 0xFFFF || headerSize < 32)
            throw CliException.usage("-H " + headerSize + ": header size must be 32..65535");

        ImageSigner.Builder b =
                ImageSigner.builder().headerSize((int) headerSize).padHeader(padHeader);
        ImageVersion v;
        try {
            v = ImageVersion.parse(version);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        b.version(v);
        if (securityCounter != null) {
            try {
                b.securityCounter(
                        securityCounter.equals("auto")
                                ? v.autoSecurityCounter()
                                : IntLiterals.parse(securityCounter));
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--security-counter: " + e.getMessage());
            }
        }
        if (dependencies != null) {
            try {
                b.dependencies(Dependency.parseList(dependencies));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }
        for (int i = 0; i < customTlvs.size(); i += 2)
            b.customTlv(customTlv(customTlvs.get(i), customTlvs.get(i + 1)));
        for (int i = 0; i < customTlvFiles.size(); i += 2) {
            b.customTlv(
                    customTlvFromFile(customTlvFiles.get(i), Path.of(customTlvFiles.get(i + 1))));
        }
        if (loadAddr != null) b.loadAddress(loadAddr);
        if (romFixed != null) b.romFixed(romFixed);
        b.nonBootable(nonBootable);
        int a = (int) align;
        int ma =
                maxAlign == null
                        ? Math.max(SlotTrailer.DEFAULT_MAX_ALIGN, a)
                        : (int) (long) maxAlign;
        try {
            slotTrailer =
                    new SlotTrailer(a, ma, (int) maxSectors, overwriteOnly, (int) erasedValue);
            b.trailer(slotTrailer);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        b.slotSize(slotSize);
        if (confirm) b.padding(ImageSigner.Padding.CONFIRM);
        else if (pad || test) b.padding(ImageSigner.Padding.TEST);
        if (!publicKeyFormat.equals("hash") && !publicKeyFormat.equals("full")) {
            throw CliException.usage("--public-key-format must be hash or full");
        }
        b.publicKeyFormat(
                publicKeyFormat.equals("hash")
                        ? ImageSigner.PublicKeyFormat.HASH
                        : ImageSigner.PublicKeyFormat.FULL);
        DigestSigner signer = null;
        if (key != null) signer = KeyFiles.signingKey(key);
        if (fixSig != null)
            signer =
                    DigestSigner.fixed(
                            KeyFiles.verificationKey(fixSigPubkey), readSignature(fixSig));
        if (remote != null) {
            signer =
                    dev.meerkat.cli.remote.RemoteSigner.connect(remote, keyId, err())
                            .describing(
                                    input.getFileName().toString(),
                                    version,
                                    java.nio.file.Files.size(input));
        }
        if (signer != null && padSig) signer = padded(signer);
        b.signer(signer);
        usedSigner = signer;
        if (bootRecord != null)
            b.imgtoolProtectedTlv(ImgtoolTlvs.bootRecord(bootRecord, v, signer));
        if (vendorId != null) b.imgtoolProtectedTlv(ImgtoolTlvs.vendorId(vendorId));
        if (classId != null) b.imgtoolProtectedTlv(ImgtoolTlvs.classId(vendorId, classId));
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
        int enlargedTrailer = saveEncTlv && encryptKey != null ? savedKeyTrailerGrowth(ma) : 0;
        ImageSigner.Result[] result = new ImageSigner.Result[1];
        boolean hexOut = output.toString().toLowerCase().endsWith(".hex");
        try (Progress progress =
                new Progress(
                        err(),
                        "signing",
                        payload.length,
                        json ? Progress.Mode.OFF : Progress.mode(quiet))) {
            if (hexOut || clear) {
                ByteArrayOutputStream bo = new ByteArrayOutputStream();
                try (InputStream in = payload.open()) {
                    result[0] = imageSigner.sign(in, payload.length, bo, progress);
                }
                checkSavedKeyTrailer(result[0], enlargedTrailer);
                byte[] image = clear ? inClear(bo.toByteArray(), payload) : bo.toByteArray();
                if (!hexOut) {
                    AtomicFiles.writeBytes(output, image);
                } else {
                    long base = hexAddr != null ? hexAddr : payload.baseAddress;
                    AtomicFiles.write(
                            output,
                            out -> {
                                OutputStreamWriter w =
                                        new OutputStreamWriter(out, StandardCharsets.US_ASCII);
                                IntelHex.write(new IntelHex.Block(base, image), w);
                                w.flush();
                            });
                }
            } else if (payload.hexData() != null) {
                AtomicFiles.write(
                        output,
                        out -> {
                            try (InputStream in = payload.open()) {
                                result[0] = imageSigner.sign(in, payload.length, out, progress);
                            }
                            checkSavedKeyTrailer(result[0], enlargedTrailer);
                        });
            } else {
                AtomicFiles.writeChannel(
                        output,
                        out -> {
                            try (var in = java.nio.channels.FileChannel.open(payload.file())) {
                                // The file is synced before its rename; syncing the body as
                                // soon as it is copied overlaps that wait with the hashing.
                                result[0] =
                                        imageSigner.sign(
                                                in, out, progress, copied -> copied.force(false));
                            }
                            checkSavedKeyTrailer(result[0], enlargedTrailer);
                        },
                        false);
            }
        } catch (IllegalArgumentException e) {
            throw CliException.usage(input + ": " + e.getMessage());
        }
        if (sigOut != null && result[0].signature() != null) {
            AtomicFiles.writeBytes(sigOut, Base64.getEncoder().encode(result[0].signature()));
        }
        if (json) {
            JsonOutput.print(
                    out(),
                    JsonOutput.object(
                            "output",
                            output.toString(),
                            "length",
                            result[0].length(),
                            "version",
                            v.toString(),
                            "sha256",
                            HexFormat.of().formatHex(result[0].digest()),
                            "keyType",
                            signer == null ? null : signer.verificationKey().type().cliName(),
                            "keyHash",
                            signer == null ? null : signer.verificationKey().keyHashHex(),
                            "encrypted",
                            encryptKey != null,
                            "aesBits",
                            encryptKey != null ? encryptKeyLen : null));
        } else if (!quiet) {
            PrintWriter o = out();
            o.printf(
                    "%s: %d bytes, version %s, SHA-256 %s%s%s%n",
                    output,
                    result[0].length(),
                    v,
                    HexFormat.of().formatHex(result[0].digest()),
                    signer != null ? ", signed by " + signer.verificationKey() : ", unsigned",
                    encryptKey != null ? ", encrypted (AES-" + encryptKeyLen + ")" : "");
        }
        return ExitCode.OK;
    }

    /**
     * imgtool options this command does not implement, refused with the reason rather than ignored.
     */
    private void refuseUnsupported() {
        if (pure) {
            throw CliException.usage(
                    "--pure is not supported: Meerkat signs the image's SHA-256 digest, the form MCUboot"
                            + " verifies unless built for pure Ed25519 signatures");
        }
        if (!compression.equals("disabled")) {
            throw CliException.usage(
                    "--compression "
                            + compression
                            + " is not supported: LZMA2 images need a"
                            + " decompressing MCUboot and an encoder that matches Python's lzma byte for byte");
        }
        if (!sha.equals("auto") && !sha.equals("256")) {
            throw CliException.usage(
                    "--sha " + sha + " is not supported: Meerkat images are hashed with SHA-256");
        }
        if (!hmacSha.equals("auto") && !hmacSha.equals("256")) {
            throw CliException.usage(
                    "--hmac-sha "
                            + hmacSha
                            + " is not supported: the key exchange uses HMAC-SHA256");
        }
        if (clear && encryptKey == null)
            throw CliException.usage(
                    "--clear goes with -E (it keeps an encrypted image's key TLV)");
        if (bootRecord != null && bootRecord.length() > 12) {
            throw CliException.usage(
                    "'"
                            + bootRecord
                            + "' is too long ("
                            + bootRecord.length()
                            + " characters) for --boot-record: at most 12");
        }
    }

    /**
     * imgtool --clear: the encrypted image with its payload region put back in clear (hash and
     * signature cover the clear text).
     */
    private byte[] inClear(byte[] image, Payload payload) throws java.io.IOException {
        java.nio.ByteBuffer h =
                java.nio.ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int hdr = h.getShort(8) & 0xFFFF;
        long imgSize = h.getInt(12) & 0xFFFFFFFFL;
        java.util.Arrays.fill(image, hdr, (int) (hdr + imgSize), (byte) 0);
        try (InputStream in = payload.open()) {
            if (!padHeader) in.skipNBytes(hdr);
            int n = (int) Math.min(imgSize, payload.length - (padHeader ? 0 : hdr));
            in.readNBytes(image, hdr, n);
        }
        return image;
    }

    /**
     * imgtool --save-enctlv: the trailer keeps the key TLV instead of the plain key, twice, each
     * aligned to the maximum alignment. The trailer's written fields sit at the same offsets from
     * the slot end, so only the room the trailer needs grows (and with it imgtool's fit check);
     * returns that growth in bytes.
     */
    private int savedKeyTrailerGrowth(int maxAlignment) {
        if (overwriteOnly) return 0;
        encTlvLength =
                KeyFiles.encryptionKey(encryptKey)
                        .wrap(new byte[encryptKeyLen / 8], new java.security.SecureRandom())
                        .length();
        return 2 * (alignUp(encTlvLength, maxAlignment) - alignUp(16, maxAlignment));
    }

    private void checkSavedKeyTrailer(ImageSigner.Result r, int growth) {
        if (growth == 0 || slotSize == 0) return;
        // The image without padding: hashed region, then the TLV area (hash, key id, signature,
        // wrapped key).
        long area = 4 + 4 + 32 + 4 + encTlvLength;
        if (usedSigner != null) {
            area +=
                    4
                            + (publicKeyFormat.equals("hash")
                                    ? 32
                                    : usedSigner.verificationKey().publicBytes().length)
                            + 4
                            + r.signature().length;
        }
        long length = r.header().hashedLength() + area;
        long trailer = slotTrailer.size(true) + growth;
        if (length + trailer > slotSize) {
            throw CliException.usage(
                    "image size ("
                            + length
                            + ") + trailer ("
                            + trailer
                            + ", with --save-enctlv) exceeds the slot size "
                            + slotSize);
        }
    }

    private static int alignUp(int n, int a) {
        return (n + a - 1) / a * a;
    }

    private void writeVector(ImageSigner signer, Payload payload) throws Exception {
        switch (vectorToSign) {
            case "payload" ->
                    AtomicFiles.write(
                            output,
                            out -> {
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
        try {
            long t = IntLiterals.parse(tag);
            byte[] v =
                    value.startsWith("0x")
                            ? HexFormat.of().parseHex(value.substring(2))
                            : value.getBytes(StandardCharsets.UTF_8);
            return new Tlv((int) t, v);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--custom-tlv " + tag + ": " + e.getMessage());
        }
    }

    private static Tlv customTlvFromFile(String tag, Path file) {
        byte[] value;
        try {
            value = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CliException(
                    ExitCode.IO, "--custom-tlv-file " + tag + ": " + file + ": no such file");
        } catch (java.io.IOException e) {
            throw new CliException(
                    ExitCode.IO, "--custom-tlv-file " + tag + ": " + file + ": " + e.getMessage());
        }
        try {
            return new Tlv((int) IntLiterals.parse(tag), value);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--custom-tlv-file " + tag + ": " + e.getMessage());
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
                return sig.length < 72
                                && s.verificationKey().type().signatureTlv()
                                        == dev.meerkat.image.TlvType.ECDSA_SIG
                        ? java.util.Arrays.copyOf(sig, 72)
                        : sig;
            }
        };
    }

    /**
     * The input firmware: a binary file streamed from disk, or an Intel HEX file decoded in memory.
     */
    record Payload(Path file, byte[] hexData, long baseAddress, long length) {
        static Payload load(Path file, int erased) throws java.io.IOException {
            if (!Files.isRegularFile(file))
                throw new CliException(ExitCode.IO, file + ": no such file");
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
            return hexData != null
                    ? new ByteArrayInputStream(hexData)
                    : new BufferedInputStream(Files.newInputStream(file), 1 << 20);
        }
    }

    private PrintWriter out() {
        return out != null ? out : spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return err != null ? err : spec.commandLine().getErr();
    }
}
