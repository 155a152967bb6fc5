package dev.meerkat.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Crc16Test {
    private static String crc(String hex) {
        byte[] b = Hex.parse(hex);
        return Hex.format(Crc16.wire(b, 0, b.length));
    }

    @Test
    void issueVectors() {
        assertThat(crc("0411")).isEqualTo("3343");
        assertThat(crc("0400")).isEqualTo("0340");
        assertThat(crc("0730000000")).isEqualTo("035D");
        assertThat(crc("0702800000")).isEqualTo("09AD");
    }

    @Test
    void commandPacketsCarryCountAndCrcLowByteFirst() {
        assertThat(Hex.format(Packet.command(Opcode.INFO, 0, 0, null)))
                .isEqualTo("07300000" + "00035D");
        assertThat(Hex.format(Packet.command(Opcode.READ, 0x80, 0, null)))
                .isEqualTo("0702800000" + "09AD");
        byte[] withData = Packet.command(Opcode.NONCE, 3, 0x1234, new byte[32]);
        assertThat(withData).hasSize(39);
        assertThat(withData[0]).isEqualTo((byte) 39);
        assertThat(withData[3]).isEqualTo((byte) 0x34);
        assertThat(withData[4]).isEqualTo((byte) 0x12);
        assertThat(Crc16.check(withData, withData.length)).isTrue();
    }

    @Test
    void wakeResponseAndStatusResponses() throws Exception {
        assertThat(Packet.statusResponse(0x11)).containsExactly(Packet.WAKE_RESPONSE);
        assertThat(Hex.format(Packet.statusResponse(0x00))).isEqualTo("04000340");
        assertThat(Packet.body(Packet.WAKE_RESPONSE)).containsExactly(0x11);
        byte[] bad = Packet.WAKE_RESPONSE.clone();
        bad[3] ^= 1;
        assertThatThrownBy(() -> Packet.body(bad)).isInstanceOf(ChipCommunicationException.class);
        assertThatThrownBy(() -> Packet.body(new byte[] {0x04, 0x00}))
                .isInstanceOf(ChipCommunicationException.class);
    }

    @Test
    void typedStatuses() {
        ChipStatusException e = new ChipStatusException(Opcode.READ, 0x0F);
        assertThat(e.status()).isEqualTo(ChipStatus.EXECUTION_ERROR);
        assertThat(e.getMessage()).contains("Read").contains("0x0F");
        assertThat(ChipStatus.of(0x01)).isEqualTo(ChipStatus.MISCOMPARE);
        assertThat(ChipStatus.of(0x03)).isEqualTo(ChipStatus.PARSE_ERROR);
        assertThat(ChipStatus.of(0x05)).isEqualTo(ChipStatus.ECC_FAULT);
        assertThat(ChipStatus.of(0x07)).isEqualTo(ChipStatus.SELF_TEST_ERROR);
        assertThat(ChipStatus.of(0x11)).isEqualTo(ChipStatus.AFTER_WAKE);
        assertThat(ChipStatus.of(0xFF)).isEqualTo(ChipStatus.CRC_OR_COMM_ERROR);
        assertThat(ChipStatus.of(0x42)).isNull();
    }
}
