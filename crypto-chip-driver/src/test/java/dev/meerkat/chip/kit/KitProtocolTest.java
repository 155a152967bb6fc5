package dev.meerkat.chip.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.Crc16;
import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.Packet;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.jca.EcKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import org.junit.jupiter.api.Test;

class KitProtocolTest {

    private static EmulatedChip chip() {
        return new EmulatedChip(
                DeviceType.ATECC608, Hex.parse("0123010203040506EE"), new SecureRandom());
    }

    /**
     * The exact byte sequence cryptoauthlib's kit HAL writes: NUL terminators included, as
     * kit_phy_send does.
     */
    @Test
    void speaksTheLinesCryptoauthlibSends() throws Exception {
        try (KitProtocolServer server =
                        new KitProtocolServer(chip(), InetAddress.getLoopbackAddress(), 0, null);
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            OutputStream out = s.getOutputStream();
            BufferedReader in =
                    new BufferedReader(
                            new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            java.util.function.Function<String, String> ask =
                    line -> {
                        try {
                            out.write(line.getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                            return in.readLine();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    };
            assertThat(ask.apply("board:device(00)\n")).isEqualTo("ECC608 TWI 00(C0)");
            assertThat(ask.apply("board:device(01)\n")).startsWith("no_device");
            assertThat(ask.apply("E:physical:select(C0)\n")).isEqualTo("00()");
            assertThat(ask.apply("E:w()\n\0")).isEqualTo("00(04113343)");
            assertThat(ask.apply("E:t(0730000000035D)\n"))
                    .isEqualTo("00(" + Hex.format(Packet.response(Hex.parse("00006002"))) + ")");
            String read = ask.apply("E:t(070280000009AD)\n");
            assertThat(read).startsWith("00(23" + "0123").endsWith(")");
            byte[] resp = Hex.parse(read.substring(3, read.length() - 1));
            assertThat(Crc16.check(resp, resp.length)).isTrue();
            assertThat(ask.apply("E:i()\n\0")).isEqualTo("00()");
            assertThat(ask.apply("E:t(0730000000035D)\n"))
                    .as("idle chip does not answer")
                    .isEqualTo("F0()");
            assertThat(ask.apply("E:w()\n")).isEqualTo("00(04113343)");
            assertThat(ask.apply("E:send(0730000000035D)\n")).isEqualTo("00()");
            assertThat(ask.apply("E:receive()\n"))
                    .isEqualTo("00(" + Hex.format(Packet.response(Hex.parse("00006002"))) + ")");
            assertThat(ask.apply("E:s()\n\0")).isEqualTo("00()");
            assertThat(ask.apply("nonsense\n")).isEqualTo("E0()");
        }
    }

    @Test
    void driverOverTheKitProtocolProvisionsAndSigns() throws Exception {
        EmulatedChip emu = chip();
        try (KitProtocolServer server =
                        new KitProtocolServer(emu, InetAddress.getLoopbackAddress(), 0, null);
                KitClientTransport kit =
                        KitClientTransport.connect(
                                "127.0.0.1", server.port(), DeviceType.ATECC608)) {
            CryptoChip chip =
                    new CryptoChip(kit, DeviceType.ATECC608, 3, CryptoChip.Wait.POLL, ms -> {});
            assertThat(chip.info()).containsExactly(0x00, 0x00, 0x60, 0x02);
            assertThat(chip.serialNumber()).containsExactly(Hex.parse("0123010203040506EE"));
            byte[] config = chip.readConfigZone();
            config[20] = (byte) 0x87;
            config[21] = 0x20;
            config[96] = 0x33;
            chip.writeConfigZone(config);
            chip.lockConfig();
            byte[] pub = chip.genKey(0);
            chip.lockData(Crc16.compute(emu.dataZoneImage()));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest("over the kit".getBytes());
            byte[] sig = chip.sign(0, digest);
            Signature v = Signature.getInstance("NONEwithECDSA");
            v.initVerify(EcKeys.publicKey(pub));
            v.update(digest);
            assertThat(v.verify(EcKeys.rawToDer(sig))).isTrue();
            // corrupted responses travel through the kit too and are recovered by re-reading
            emu.faults().corruptResponses(1);
            assertThat(chip.info()).hasSize(4);
        }
    }
}
