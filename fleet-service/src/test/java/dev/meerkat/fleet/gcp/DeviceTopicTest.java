package dev.meerkat.fleet.gcp;

import static dev.meerkat.fleet.gcp.bridge.DeviceTopic.Access.PUBLISH;
import static dev.meerkat.fleet.gcp.bridge.DeviceTopic.Access.SUBSCRIBE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.gcp.bridge.DeviceTopic;
import org.junit.jupiter.api.Test;

/** The bridge's topic table: a device uses its own topics, each in one direction only. */
class DeviceTopicTest {
    @Test
    void ownTopicsInTheirDirection() {
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/config", SUBSCRIBE)).isTrue();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/commands/#", SUBSCRIBE)).isTrue();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/commands/reboot", SUBSCRIBE)).isTrue();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/events", PUBLISH)).isTrue();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/events/alerts/high", PUBLISH)).isTrue();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/state", PUBLISH)).isTrue();
    }

    @Test
    void refusesOtherDevicesWrongDirectionsAndWildcards() {
        assertThat(DeviceTopic.allowed("d1", "/devices/d2/config", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d2/state", PUBLISH)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/config", PUBLISH)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/commands", PUBLISH)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/state", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/events/#", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/+/config", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/#", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "#", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/config/x", SUBSCRIBE)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/state/x", PUBLISH)).isFalse();
        assertThat(DeviceTopic.allowed("d1", "/devices/d1/commands/x/#/y", SUBSCRIBE)).isFalse();
    }
}
